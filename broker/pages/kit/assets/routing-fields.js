// Progressive enhancement for the lookup form: shows only the routing fields (insurer, residence, place of
// birth) the checked evidence types need. Without JavaScript all of them show, each saying which type needs
// it, and the server reads only those of the chosen types. A field with an error always stays visible.
document.addEventListener('DOMContentLoaded', function () {
  var boxes = document.querySelectorAll('input[name="evidenceTypes"]');
  var fields = document.querySelectorAll('[data-routing-for]');
  var group = document.querySelector('[data-routing-fields]');
  if (!group || fields.length === 0) return;
  function update() {
    var checked = [];
    boxes.forEach(function (box) {
      if (box.checked) checked.push(box.value);
    });
    var shown = 0;
    fields.forEach(function (field) {
      var needed = field.getAttribute('data-routing-for').split(' ').some(function (type) {
        return checked.indexOf(type) >= 0;
      });
      var show = needed || field.querySelector('[aria-invalid="true"]') !== null;
      field.hidden = !show;
      if (show) shown++;
    });
    group.hidden = shown === 0;
  }
  boxes.forEach(function (box) {
    box.addEventListener('change', update);
  });
  update();
});
