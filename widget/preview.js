/* The preview page: fills the form with the saved settings and applies edits to the live
 * widget through window.Careline.configure (nothing is saved from here). */
(() => {
  "use strict";
  const form = document.getElementById("preview");
  const key = form.dataset.key;
  const fields = ["name", "welcome_prompt", "primary_color", "accent_color", "avatar_url"];
  const fill = () =>
    fetch("/widget/config/" + encodeURIComponent(key), { cache: "no-store" })
      .then((r) => r.json())
      .then((cfg) => {
        fields.forEach((f) => { form.elements[f].value = cfg[f] || ""; });
        if (window.Careline) window.Careline.configure(cfg);
      });
  form.addEventListener("input", () => {
    const next = {};
    fields.forEach((f) => { next[f] = form.elements[f].value; });
    if (window.Careline) window.Careline.configure(next);
  });
  document.getElementById("reload").addEventListener("click", fill);
  fill();
})();
