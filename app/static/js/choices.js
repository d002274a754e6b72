// Search-as-you-type relation fields (app/views/choices.py): an <input class="adsheet-choices"> carrying
// the current id (and its label) becomes a select2 that asks its data-endpoint for matching rows,
// 20 at a time. Filter rows added later by FAB's search form are picked up as they appear.
(function ($) {
  "use strict";

  function toSelect(input) {
    var $input = $(input);
    var value = $input.val();
    var label = $input.attr("data-label");
    var $select = $("<select/>").attr({
      name: $input.attr("name"), id: $input.attr("id"), "class": $input.attr("class"),
      "data-endpoint": $input.attr("data-endpoint")
    });
    $input.replaceWith($select);
    var endpoint = $select.attr("data-endpoint");
    // A field that depends on another (an activity's contact on its customer) asks only for rows of the
    // value chosen there, and is emptied when the person picks another one.
    var depends = $input.attr("data-depends");
    var $form = $select.closest("form");
    $select.select2({
      theme: "bootstrap", width: "100%", allowClear: !$input.attr("data-required"),
      placeholder: $input.attr("data-placeholder") || "",
      ajax: {
        url: endpoint, dataType: "json", delay: 250,
        data: function (params) {
          var args = {q: params.term || "", page: params.page || 1};
          if (depends) { args.within = $form.find("[name='" + depends + "']").val() || ""; }
          return args;
        },
        processResults: function (data) { return {results: data.results, pagination: {more: data.more}}; }
      }
    });
    if (depends) {
      $form.on("select2:select select2:clear", "[name='" + depends + "']", function () {
        $select.val(null).trigger("change");
      });
    }
    $select.on("select2:select", function (event) {
      // The contracting party's name starts as the chosen customer's licence name (still editable).
      var $party = $form.find("input[data-fill-from='" + $select.attr("name") + "']");
      if ($party.length && !$party.val() && event.params && event.params.data) {
        $party.val(event.params.data.text);
      }
    });
    if (value) {
      if (label) {
        $select.append(new Option(label, value, true, true)).trigger("change");
      } else {
        $.getJSON(endpoint, {id: value}).done(function (data) {
          $.each(data.results, function (_i, row) { $select.append(new Option(row.text, row.id, true, true)); });
          $select.trigger("change");
        });
      }
    }
  }

  function upgrade(root) {
    $(root).find("input.adsheet-choices").addBack("input.adsheet-choices").each(function () {
      // FAB's search form keeps hidden templates of its filter fields: only live ones are upgraded.
      if ($(this).closest("table.filters, form").length) { toSelect(this); }
    });
  }

  $(function () {
    upgrade(document.body);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) { $.each(m.addedNodes, function (_i, node) {
        if (node.nodeType === 1) { upgrade(node); }
      }); });
    }).observe(document.body, {childList: true, subtree: true});
  });
})(jQuery);
