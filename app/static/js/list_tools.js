// The list's toolbar (adsheet/list_tools.html): the column chooser keeps its menu open while boxes are
// ticked and sends the ticked columns as one argument (cols_<View>=a,b,c).
(function ($) {
  "use strict";
  $(function () {
    $(".adsheet-list-tools .dropdown-menu").on("click", function (event) { event.stopPropagation(); });
    $(".adsheet-columns form").on("change", ".adsheet-column-choice", function () {
      var $form = $(this).closest("form");
      var chosen = $form.find(".adsheet-column-choice:checked").map(function () { return this.value; }).get();
      $form.find(".adsheet-cols-value").val(chosen.join(","));
    });
  });
})(jQuery);
