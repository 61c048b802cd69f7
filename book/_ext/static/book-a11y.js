// What the book adds to its pages for readers who use a keyboard, a screen reader or the search
// (see book/_ext/page_markup.py):
// * the sliders of the saved interactive widgets (the explorer of Chapter 12) are named after
//   their visible label and announce the value their readout shows, not their step number;
// * search results show their text excerpts with the TeX of the mathematics made readable
//   ("dim* ≤ n" instead of "\(\dim^*\le n\)").
(function () {
  "use strict";

  // ------------------------------------------------------------------------------- sliders
  function nameSliders(root) {
    root.querySelectorAll(".widget-slider").forEach(function (widget) {
      var handle = widget.querySelector("[role='slider']");
      if (!handle) { return; }
      var label = widget.querySelector(".widget-label");
      var readout = widget.querySelector(".widget-readout");
      var name = label && label.textContent.trim();
      if (name && handle.getAttribute("aria-label") !== name) {
        handle.setAttribute("aria-label", name);
      }
      var value = readout && (readout.value !== undefined && readout.value !== ""
        ? readout.value : readout.textContent).trim();
      if (value && handle.getAttribute("aria-valuetext") !== value) {
        handle.setAttribute("aria-valuetext", value);
      }
    });
  }

  function watchWidgets() {
    if (!document.querySelector(".jupyter-widgets, script[type^='application/vnd.jupyter.widget']")) {
      return;
    }
    nameSliders(document);
    // The widgets render after the page has loaded, and the readout changes as the slider moves.
    new MutationObserver(function () { nameSliders(document); }).observe(document.body, {
      subtree: true, childList: true, characterData: true,
      attributes: true, attributeFilter: ["aria-valuenow", "aria-valuetext", "value"],
    });
  }

  // -------------------------------------------------------------------- search excerpts
  var SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", vartheta: "ϑ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν",
    xi: "ξ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", upsilon: "υ", phi: "φ", varphi: "φ",
    chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ",
    Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
    le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "∼",
    equiv: "≡", in: "∈", notin: "∉", subset: "⊂", subseteq: "⊆", supset: "⊃", cup: "∪",
    cap: "∩", setminus: "∖", emptyset: "∅", varnothing: "∅", forall: "∀", exists: "∃",
    to: "→", rightarrow: "→", leftarrow: "←", Rightarrow: "⇒", iff: "⇔", mapsto: "↦",
    infty: "∞", times: "×", cdot: "·", circ: "∘", pm: "±", sum: "Σ", prod: "∏",
    partial: "∂", nabla: "∇", odot: "⊙", otimes: "⊗", oplus: "⊕", top: "⊤", perp: "⊥",
    langle: "⟨", rangle: "⟩", ldots: "…", dots: "…", cdots: "⋯", mid: "|", vert: "|",
    Vert: "‖", lvert: "|", rvert: "|", lVert: "‖", rVert: "‖", lfloor: "⌊", rfloor: "⌋",
    lceil: "⌈", rceil: "⌉", sqrt: "√", R: "ℝ", N: "ℕ", krprod: "⊙", kron: "⊗",
    quad: " ", qquad: " ", ",": " ", ";": " ", ":": " ", "!": "", " ": " ",
    "{": "{", "}": "}", "|": "‖", "\\": "; ",
  };
  var RELATIONS = ["le", "leq", "ge", "geq", "ne", "neq", "approx", "sim", "equiv", "in",
                   "notin", "subset", "subseteq", "supset", "to", "rightarrow", "leftarrow",
                   "Rightarrow", "iff", "mapsto"];
  var LETTERS = { R: "ℝ", N: "ℕ", Z: "ℤ", Q: "ℚ", C: "ℂ" };
  var DROP = ["left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
              "displaystyle", "textstyle", "limits", "nolimits", "label", "tag", "nonumber",
              "notag", "begin", "end"];

  function readableTeX(tex) {
    var text = tex;
    // \mathbb{R} -> ℝ; \begin{...}/\label{...} dropped with their argument.
    text = text.replace(/\\mathbb\s*\{\s*([A-Z])\s*\}/g, function (m, letter) {
      return LETTERS[letter] || letter;
    });
    text = text.replace(/\\(?:begin|end|label|tag)\s*\{[^}]*\}(?:\{[^}]*\})?/g, " ");
    text = text.replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)");
    text = text.replace(/\\([A-Za-z]+)|\\(.)/g, function (m, word, other) {
      var name = word || other;
      if (DROP.indexOf(name) >= 0) { return ""; }
      if (Object.prototype.hasOwnProperty.call(SYMBOLS, name)) {
        return RELATIONS.indexOf(name) >= 0 ? " " + SYMBOLS[name] + " " : SYMBOLS[name];
      }
      return word ? word : other;  // \dim -> dim, \operatorname -> operatorname (dropped below)
    });
    text = text.replace(/\b(?:operatorname|mathrm|mathbf|mathcal|mathit|mathsf|boldsymbol|text|textbf|textit|mathbbm|bm|hat|tilde|bar|overline|widehat|widetilde)\s*(?=\{)/g, "");
    text = text.replace(/[{}]/g, "").replace(/&/g, " ");
    return text.replace(/\s+/g, " ").trim();
  }

  function readableText(text) {
    return text
      .replace(/\\\(([\s\S]*?)\\\)/g, function (m, tex) { return readableTeX(tex); })
      .replace(/\\\[([\s\S]*?)\\\]/g, function (m, tex) { return " " + readableTeX(tex) + " "; })
      .replace(/\$\$([\s\S]*?)\$\$/g, function (m, tex) { return " " + readableTeX(tex) + " "; })
      .replace(/\s+/g, " ");
  }

  function readableSearchExcerpts() {
    // searchtools.js declares `const Search` at the top level: a global binding, not a property
    // of window.
    var search = typeof Search !== "undefined" ? Search : window.Search;
    if (!search || typeof search.htmlToText !== "function" || search.bookReadable) { return; }
    var htmlToText = search.htmlToText;
    search.htmlToText = function (htmlString, anchor) {
      return readableText(htmlToText.call(search, htmlString, anchor));
    };
    search.bookReadable = true;
  }

  window.bookReadableTeX = readableText;  // for the site tests
  readableSearchExcerpts();  // deferred: runs before the search starts (on DOMContentLoaded)
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchWidgets);
  } else {
    watchWidgets();
  }
})();
