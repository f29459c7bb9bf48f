// The patient panel (HUB-07) and identifying unknown senders (PIT-04, HUB-14).
import { api, ApiError, h, clear, when } from "/hub/static/api.js";

const $ = (id) => document.getElementById(id);

function facilityName(state, id) {
  const facility = state.directory.facilities.find((f) => f.id === id);
  return facility ? facility.name : "another facility";
}

function section(title, ...children) {
  return h("section", { class: "panel-section" }, h("h3", {}, title), ...children);
}

function errorLine() {
  return h("p", { class: "error", role: "alert", hidden: true });
}

function fail(node, error) {
  node.textContent = error instanceof ApiError ? error.message : "Something went wrong.";
  node.hidden = false;
}

export async function renderPanel(chat, state, { reload }) {
  const body = $("panel-body");
  $("panel-empty").hidden = true;
  body.hidden = false;
  clear(body);
  let panel = null;
  if (chat.patient_id) {
    try {
      panel = await api(`/api/patients/${encodeURIComponent(chat.patient_id)}`);
    } catch {
      panel = null;
    }
  }
  const placeholder = !panel || panel.patient.placeholder;
  if (panel) body.append(demographics(panel.patient, state, reload));
  if (placeholder || chat.identity) body.append(await identity(chat, panel, state, reload));
  if (panel && !panel.patient.placeholder) {
    body.append(appointments(panel.appointments, state));
    body.append(waitlist(panel.waitlist));
    body.append(logins(panel.logins));
  }
  if (chat.secure_messages.length) body.append(secureMessages(chat.secure_messages));
}

function demographics(patient, state, reload) {
  const rows = [
    ["Date of birth", patient.date_of_birth || "—"],
    [patient.placeholder ? "Temporary id" : "MRN", (patient.placeholder ? patient.temporary_id : patient.mrn) || "—"],
    ["Language", patient.preferred_language],
    ["Facility", patient.primary_facility_id ? facilityName(state, patient.primary_facility_id) : "—"],
    ...patient.contacts.map((c) => [`${c.kind} (${c.label})`, `${c.value}${c.validity === "landline" ? " · landline" : ""}`]),
  ];
  const list = h("dl", { class: "facts" }, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
  const form = h("form", { class: "stack", hidden: true, "aria-label": "Edit demographics" });
  const error = errorLine();
  const field = (name, label, value, type = "text") => {
    const id = `edit-${name}`;
    return [h("label", { for: id }, label), h("input", { id, name, type, value: value || "" })];
  };
  form.append(
    ...field("first_name", "First name", patient.first_name),
    ...field("last_name", "Last name", patient.last_name),
    ...field("date_of_birth", "Date of birth", patient.date_of_birth, "date"),
    ...field("preferred_language", "Language code", patient.preferred_language),
    error,
    h("button", { type: "submit", class: "primary small" }, "Save"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const json = {
      first_name: form.first_name.value, last_name: form.last_name.value,
      date_of_birth: form.date_of_birth.value || null, preferred_language: form.preferred_language.value,
    };
    try {
      await api(`/api/patients/${encodeURIComponent(patient.id)}`, { method: "PATCH", json });
      await reload();
    } catch (failure) {
      fail(error, failure);
    }
  });
  const edit = h("button", {
    type: "button", class: "link", "aria-expanded": "false",
    onclick: () => {
      form.hidden = !form.hidden;
      edit.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) form.querySelector("input").focus();
    },
  }, "Edit demographics");
  const heading = patient.placeholder ? "Unknown sender" : patient.name;
  return section(heading, list, patient.placeholder ? null : edit, patient.placeholder ? null : form);
}

async function identity(chat, panel, state, reload) {
  const box = h("div", { class: "stack" });
  const error = errorLine();
  const link = async (patientId) => {
    try {
      await api(`/api/conversations/${encodeURIComponent(chat.id)}/identity`, { method: "POST", json: { patient_id: patientId } });
      await reload();
    } catch (failure) {
      fail(error, failure);
    }
  };
  const claim = chat.identity;
  if (claim) {
    const said = [claim.first_name, claim.last_name].filter(Boolean).join(" ") || "—";
    box.append(h("p", {}, `The sender says they are ${said}, born ${claim.date_of_birth || "—"} (check: ${claim.state}).`));
    for (const id of claim.suggested_patient_ids) {
      const found = await api(`/api/patients/${encodeURIComponent(id)}`).catch(() => null);
      if (!found) continue;
      const p = found.patient;
      box.append(h("p", { class: "suggestion" },
        `Match on file: ${p.name}, born ${p.date_of_birth || "—"}, ${p.mrn || ""} `,
        h("button", { type: "button", class: "small primary", onclick: () => link(p.id) }, `Verify and link ${p.name}`)));
    }
    if (!claim.suggested_patient_ids.length && claim.date_of_birth) {
      box.append(h("p", { class: "muted" }, "No patient on file matches these answers."));
    }
  }
  const results = h("ul", { class: "plain-list results" });
  const search = h("input", { id: "identity-search", type: "search", autocomplete: "off", placeholder: "Name or MRN" });
  let typing = null;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(async () => {
      clear(results);
      if (search.value.trim().length < 2) return;
      const found = await api(`/api/patients?q=${encodeURIComponent(search.value.trim())}`).catch(() => ({ items: [] }));
      for (const p of found.items) {
        results.append(h("li", {}, `${p.name} · ${p.date_of_birth || "—"} `,
          h("button", { type: "button", class: "small", onclick: () => link(p.id) }, "Link")));
      }
      if (!found.items.length) results.append(h("li", { class: "muted" }, "No patient found."));
    }, 250);
  });
  box.append(h("label", { for: "identity-search" }, "Find the patient on file"), search, results);
  if (panel && panel.patient.placeholder) {
    const form = h("form", { class: "stack", "aria-label": "Create a profile for this sender" },
      h("label", { for: "new-first" }, "First name"), h("input", { id: "new-first", name: "first_name", required: true }),
      h("label", { for: "new-last" }, "Last name"), h("input", { id: "new-last", name: "last_name", required: true }),
      h("label", { for: "new-dob" }, "Date of birth"), h("input", { id: "new-dob", name: "date_of_birth", type: "date" }),
      h("button", { type: "submit", class: "small" }, "Create profile"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api(`/api/conversations/${encodeURIComponent(chat.id)}/identity`, {
          method: "POST",
          json: { first_name: form.first_name.value, last_name: form.last_name.value, date_of_birth: form.date_of_birth.value || null },
        });
        await reload();
      } catch (failure) {
        fail(error, failure);
      }
    });
    box.append(h("p", { class: "muted" }, "Or, for a new patient:"), form);
  }
  box.append(error);
  return section("Identify the sender", box);
}

function appointments(items, state) {
  if (!items.length) return section("Appointments", h("p", { class: "muted" }, "None at your facilities."));
  const list = h("ul", { class: "plain-list appointments" });
  for (const a of items) {
    list.append(h("li", {},
      h("strong", {}, when(a.start)), ` · ${a.status}${a.confirmation === "confirmed" ? " · confirmed" : ""}`,
      h("br"), h("span", { class: "muted" }, facilityName(state, a.facility_id)), " ",
      h("button", { type: "button", class: "link", onclick: () => timeline(a) }, "Reminder timeline")));
  }
  return section("Appointments", list);
}

async function timeline(appointment) {
  const dialog = $("timeline-dialog");
  const body = clear($("timeline-body"));
  try {
    const data = await api(appointment.timeline_url);
    const rows = data.entries || [];
    if (data.start_local) body.append(h("p", { class: "muted" }, `Appointment: ${data.start_local}`));
    if (!rows.length) body.append(h("p", { class: "muted" }, "No reminders planned or sent."));
    const list = h("ol", { class: "plain-list timeline" });
    for (const row of rows) {
      const at = row.local || when(row.sent_at || row.at);
      const what = [row.kind, row.channel, row.status].filter(Boolean).join(" · ");
      list.append(h("li", {}, h("strong", {}, at || ""), ` ${what}`,
        row.reason ? h("span", { class: "muted" }, ` — ${row.reason}`) : null));
    }
    body.append(list);
  } catch {
    body.append(h("p", { class: "muted" }, "The reminder timeline is not available."));
  }
  dialog.showModal();
}

function waitlist(items) {
  if (!items.length) return section("Waitlist", h("p", { class: "muted" }, "Not on a waitlist."));
  return section("Waitlist", h("ul", { class: "plain-list" },
    items.map((w) => h("li", {}, `${w.status || w.state || "listed"} · since ${when(w.created_at)}`))));
}

function logins(items) {
  if (!items.length) return section("Sign-in history", h("p", { class: "muted" }, "No sign-ins yet."));
  return section("Sign-in history", h("ul", { class: "plain-list" },
    items.map((l) => h("li", {}, `${when(l.at)} · ${l.success ? "signed in" : "wrong code"}`))));
}

function secureMessages(items) {
  return section("Secure messages", h("ul", { class: "plain-list" },
    items.map((s) => h("li", {}, `${when(s.created_at)} · ${s.attachments} attachment(s) · `,
      s.opened_at ? `opened ${when(s.opened_at)}` : "not opened yet"))));
}
