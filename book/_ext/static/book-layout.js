// Marks every box that scrolls sideways (display equations, tables, code) with
// book-scroll-left / book-scroll-right while there is more to see on that side; the stylesheet
// fades that edge. See book/_ext/page_layout.py.
(function () {
  "use strict";
  var SELECTOR = [
    "div.math mjx-container",
    "mjx-container[display='true']",
    ".pst-scrollable-table-container",
    "div.highlight pre",
    "div.cell_output pre",
  ].join(", ");

  function mark(box) {
    var hidden = box.scrollWidth - box.clientWidth;
    box.classList.toggle("book-scroll-left", hidden > 1 && box.scrollLeft > 1);
    box.classList.toggle("book-scroll-right", hidden > 1 && hidden - box.scrollLeft > 1);
  }

  function scan() {
    var observer = window.ResizeObserver
      ? new ResizeObserver(function (entries) {
          entries.forEach(function (entry) { mark(entry.target); });
        })
      : null;
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      if (box.dataset.bookScroll) { mark(box); return; }
      box.dataset.bookScroll = "1";
      mark(box);
      box.addEventListener("scroll", function () { mark(box); }, { passive: true });
      if (observer) { observer.observe(box); }  // e.g. a collapsed cell that is opened
    });
  }

  window.addEventListener("load", function () {
    // Display equations exist once MathJax has typeset the page.
    var mathjax = window.MathJax;
    var typeset = mathjax && mathjax.startup && mathjax.startup.promise;
    Promise.resolve(typeset).then(scan, scan);
  });
  window.addEventListener("resize", scan);
})();
