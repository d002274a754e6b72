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
    $select.select2({
      theme: "bootstrap", width: "100%", allowClear: !$input.attr("data-required"),
      placeholder: $input.attr("data-placeholder") || "",
      ajax: {
        url: endpoint, dataType: "json", delay: 250,
        data: function (params) { return {q: params.term || "", page: params.page || 1}; },
        processResults: function (data) { return {results: data.results, pagination: {more: data.more}}; }
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
