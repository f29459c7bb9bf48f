// The waitlist dashboard (WL-01, WL-02, WL-07, WL-11, WL-27): approvals, active offers,
// waiting patients per provider, offer history and CSV upload. Text is never parsed as HTML.
import { api, h, setCsrf } from "/hub/static/api.js";

const $ = (id) => document.getElementById(id);

function when(iso) {
  return iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
}

function minutesLeft(seconds) {
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${seconds % 60} s`;
}

function say(text) {
  $("status").textContent = text;
}

function fill(tableId, rows, emptyId) {
  const body = $(tableId).querySelector("tbody");
  body.replaceChildren(...rows);
  if (emptyId) $(emptyId).hidden = rows.length > 0;
}

async function decide(offerId, action) {
  try {
    await api(`/api/waitlist/offers/${encodeURIComponent(offerId)}/${action}`, { method: "POST", json: {} });
    say(action === "approve" ? "Booked." : "Declined; the opening goes to the next patient.");
  } catch (error) {
    say(error.message);
  }
  await refresh();
}

async function refresh() {
  const [active, dashboard] = await Promise.all([
    api("/api/waitlist/offers/active"),
    api("/api/waitlist/dashboard"),
  ]);
  fill("approvals", active.waiting_for_approval.map((offer) => h("tr", {},
    h("td", {}, offer.patient_id),
    h("td", {}, when(offer.slot_start)),
    h("td", {}, when(offer.responded_at)),
    h("td", { class: "actions" },
      h("button", { type: "button", onclick: () => decide(offer.id, "approve") }, "Approve"),
      h("button", { type: "button", class: "ghost", onclick: () => decide(offer.id, "decline") }, "Decline")),
  )), "approvals-empty");
  fill("active", active.waiting_for_patient.map((offer) => h("tr", {},
    h("td", {}, offer.patient_id),
    h("td", {}, when(offer.slot_start)),
    h("td", {}, minutesLeft(offer.seconds_left)),
  )), "active-empty");
  $("providers").replaceChildren(...dashboard.providers.map((p) =>
    h("li", {}, `${p.name}: ${p.waiting} waiting`)));
  await history();
}

async function history() {
  const state = $("history-state").value;
  const data = await api(`/api/waitlist/offers${state ? `?state=${state}` : ""}`);
  fill("history", data.offers.map((offer) => h("tr", {},
    h("td", {}, offer.patient_id),
    h("td", {}, when(offer.slot_start)),
    h("td", {}, offer.state),
    h("td", {}, when(offer.sent_at)),
  )));
}

async function upload(event) {
  event.preventDefault();
  const form = new FormData();
  form.append("file", $("upload-file").files[0]);
  const dry = $("upload-dry").checked ? "?dry_run=1" : "";
  const report = $("upload-report");
  try {
    const result = await api(`/api/waitlist/entries/upload${dry}`, { method: "POST", form });
    report.textContent = formatReport(result);
  } catch (error) {
    report.textContent = error.body && error.body.lines ? formatReport(error.body) : error.message;
  }
  report.hidden = false;
  await refresh();
}

function formatReport(result) {
  const lines = [`${result.accepted} accepted, ${result.rejected} rejected`];
  for (const problem of result.problems || []) lines.push(`${problem.field}: ${problem.message}`);
  for (const line of result.lines || []) {
    for (const problem of line.problems) lines.push(`line ${line.line}: ${problem.field}: ${problem.message}`);
  }
  return lines.join("\n");
}

async function start() {
  const session = await api("/api/session");
  setCsrf(session.csrf_token);
  $("history-state").addEventListener("change", history);
  $("upload").addEventListener("submit", upload);
  await refresh();
  setInterval(() => refresh().catch((error) => say(error.message)), 15000);
}

start().catch((error) => say(error.message));
