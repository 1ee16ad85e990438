// The portal's few behaviours that are not htmx, kept out of the pages so that the
// Content-Security-Policy can forbid inline scripts and event handlers.
"use strict";

document.addEventListener("change", (event) => {
  // Choosing a language applies it at once (the form still has a button without JavaScript).
  const select = event.target.closest("select[data-submit-on-change]");
  if (select) {
    select.form.requestSubmit();
  }
});
