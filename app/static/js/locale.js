// The widgets' texts in the page's language (app/views/page_texts.py): select2's messages and placeholder,
// the date picker's month and day names. Runs before FAB's ab.js starts the widgets on DOM ready; the
// selects FAB starts with its own English placeholder are restarted with ours right after.
(function ($) {
  "use strict";
  var block = document.getElementById("adsheet-widget-texts");
  if (!block) { return; }
  var texts = JSON.parse(block.textContent);

  if ($.fn.select2) {
    var s = texts.select2;
    var count = function (text, n) { return text.replace("{n}", n); };
    $.fn.select2.defaults.set("language", {
      noResults: function () { return s.noResults; },
      searching: function () { return s.searching; },
      loadingMore: function () { return s.loadingMore; },
      errorLoading: function () { return s.errorLoading; },
      inputTooShort: function (args) { return count(s.inputTooShort, args.minimum - args.input.length); },
      inputTooLong: function (args) { return count(s.inputTooLong, args.input.length - args.maximum); },
      maximumSelected: function (args) { return count(s.maximumSelected, args.maximum); },
      removeAllItems: function () { return s.removeAllItems; },
      removeItem: function () { return s.removeItem; },
      search: function () { return s.search; }
    });
    $(function () {
      // ab.js gives its selects the placeholder "Select a State"
      $("select.my_select2").each(function () {
        var $select = $(this);
        if ($select.data("select2")) {
          $select.select2({placeholder: s.placeholder, allowClear: true, theme: "bootstrap"});
        }
      });
    });
  }

  if ($.fn.datepicker) {
    var d = texts.datepicker;
    $.fn.datepicker.dates[d.language] = {
      days: d.days, daysShort: d.daysShort, daysMin: d.daysMin, months: d.months, monthsShort: d.monthsShort,
      today: d.today, clear: d.clear, titleFormat: d.titleFormat, weekStart: d.weekStart
    };
    $.fn.datepicker.defaults.language = d.language;
  }
})(jQuery);
