// The sign-in form: posts JSON with the pre-sign-in CSRF cookie echoed in a header.
const form = document.getElementById("login-form");
const error = document.getElementById("login-error");

function cookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

function target() {
  const next = new URLSearchParams(location.search).get("next") || "/hub";
  // Only ever go back into the Hub on this site.
  return next.startsWith("/hub") && !next.startsWith("//") ? next : "/hub";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": cookie("careline_csrf") },
      body: JSON.stringify({ email: form.email.value, password: form.password.value }),
      credentials: "same-origin",
    });
    if (response.ok) {
      location.assign(target());
      return;
    }
    const body = await response.json().catch(() => ({}));
    error.textContent = body.message || "Sign-in failed.";
    error.hidden = false;
    form.password.select();
  } catch {
    error.textContent = "Careline cannot be reached. Check your connection and try again.";
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
});
