// TP agent console: internal notes and tags on the open conversation (never shown to the customer). Any agent may
// add them, on a closed conversation too; history search finds a conversation by a whole tag. Uses $, api, element,
// state and refreshTicket from console.js.
"use strict";

function renderNotes(notes, tags) {
  $("tags").replaceChildren(...(tags || []).map((tag) => element("span", "tag", tag)));
  if (!(tags || []).length) $("tags").append(element("span", "meta", "暂无标签"));
  $("tags-input").value = (tags || []).join(" ");
  $("notes").replaceChildren(...(notes || []).map((note) => {
    const item = element("li", note.kind);
    item.append(element("span", "who", `${note.kind === "transfer" ? "转交" : "备注"} · ${note.agent || ""} · ${note.created_at}`));
    item.append(document.createTextNode(note.text));
    return item;
  }));
  if (!(notes || []).length) $("notes").append(element("li", "meta", "暂无备注"));
  $("details-error").textContent = "";
}

async function saveTags(event) {
  event.preventDefault();
  try {
    const tags = $("tags-input").value.split(/[\s,，;；]+/).filter(Boolean);
    await api(`/tickets/${state.ticketId}/tags`, { method: "PUT", body: { tags } });
    await refreshTicket();
  } catch (error) { $("details-error").textContent = error.message; }
}

async function addNote(event) {
  event.preventDefault();
  const text = $("note-text").value.trim();
  if (!text) return;
  try {
    await api(`/tickets/${state.ticketId}/notes`, { body: { text } });
    $("note-text").value = "";
    await refreshTicket();
  } catch (error) { $("details-error").textContent = error.message; }
}

function setupNotes() {
  $("tags-form").addEventListener("submit", saveTags);
  $("note-form").addEventListener("submit", addNote);
}
