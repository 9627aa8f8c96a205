// Progressive enhancement for the lookup result: shows a "print" button. Without JavaScript the page
// still tells people to use the browser's print command, and the print stylesheet does the rest.
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('[data-print-button]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      window.print();
    });
  });
});
