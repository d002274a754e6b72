// Date-and-time fields (app/views/datetimes.py): the text box holds "YYYY-MM-DD HH:MM"; the calendar button
// picks a day (bootstrap-datepicker, in the page's language: locale.js) and keeps the time, the time box picks
// a time and keeps the day. What is typed is left as typed (the server reads it and says if it is not a time).
(function ($) {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function dayOf(date) { return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()); }
  function nowTime() { var d = new Date(); return pad(d.getHours()) + ":" + pad(d.getMinutes()); }
  function parts(text) {
    var m = /^\s*(\d{4}[-\/]\d{1,2}[-\/]\d{1,2})?(?:[ T]+(\d{1,2}:\d{2}))?/.exec(text || "");
    return {day: m && m[1] ? m[1] : "", time: m && m[2] ? m[2] : ""};
  }
  $(function () {
    $(".adsheet-datetime").each(function () {
      var group = $(this);
      var text = group.find(".adsheet-datetime-text");
      var clock = group.find(".adsheet-datetime-time");
      var day = group.find(".adsheet-datetime-day");
      var showTime = function () { clock.val(parts(text.val()).time); };
      showTime();
      text.on("input change", showTime);
      clock.on("change input", function () {
        if (!clock.val()) { return; }
        var p = parts(text.val());
        text.val((p.day || dayOf(new Date())) + " " + clock.val());
      });
      var anchor = group.find(".adsheet-datetime-picker");
      if ($.fn.datepicker && anchor.length) {
        anchor.datepicker({format: "yyyy-mm-dd", autoclose: true, todayHighlight: true, orientation: "bottom left",
                           forceParse: false})
          .on("changeDate", function (event) {
            var p = parts(text.val());
            text.val(dayOf(event.date) + " " + (p.time || clock.val() || nowTime())).trigger("change");
          });
        var open = function () {
          var p = parts(text.val());
          anchor.datepicker("update", p.day ? p.day.replace(/\//g, "-") : "");
          anchor.datepicker("show");
        };
        day.on("click", function (event) { if (event.target !== anchor[0]) { open(); } });
        day.on("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(); }
        });
      }
    });
  });
})(jQuery);
