// TP agent console: routing. My status (在线 / 忙碌 / 离开), transfer of a conversation to a named colleague with a
// note, and, for supervisors, every agent's status and conversations (客服状态). Uses $, api, element, state,
// ticketItem, act helpers from console.js.
"use strict";

const routing = { agents: [], timer: null };
const AGENTS_REFRESH_MS = 30000;

async function refreshAgents() {
  const view = await api("/agents");
  routing.agents = view.agents;
  $("my-status").value = view.me.status;
  $("supervision").hidden = !view.supervisor;
  if (!view.supervisor) return;
  $("agents-count").textContent = view.agents.filter((a) => a.presence !== "offline").length;
  $("agents-list").replaceChildren(...view.agents.map((agent) => {
    const item = element("li", `presence-${agent.presence}`);
    const head = element("div", "name", agent.display_name);
    head.append(element("span", "presence", agent.label), element("span", "meta", `${agent.serving}/${agent.limit}`));
    const conversations = element("ul", "ticket-list");
    conversations.append(...(agent.conversations || []).map(ticketItem));
    item.append(head, conversations);
    return item;
  }));
}

async function setMyStatus(status) {
  try {
    await api("/me/status", { method: "PUT", body: { status } });
    await Promise.all([refreshAgents(), refreshQueue()]);
  } catch (error) { showError(error); }
}

async function openTransfer() {
  $("transfer-error").textContent = "";
  $("transfer-note").value = "";
  await refreshAgents().catch(showError);
  const current = state.detail && state.detail.ticket.agent_id;
  const choices = routing.agents.filter((a) => a.id !== current).map((agent) => {
    const option = element("option", null, `${agent.display_name}（${agent.label} · 接待 ${agent.serving}/${agent.limit}）`);
    option.value = agent.id;
    option.disabled = !agent.accepts_transfer;
    return option;
  });
  $("transfer-agent").replaceChildren(...choices);
  const first = choices.find((option) => !option.disabled);
  if (first) first.selected = true;
  else $("transfer-error").textContent = "目前没有可以接收转交的同事（需在线且未达接待上限），可以先转回队列";
  $("transfer-confirm").disabled = !first;
  $("transfer-dialog").showModal();
}

async function confirmTransfer(event) {
  event.preventDefault();
  $("transfer-error").textContent = "";
  try {
    await api(`/tickets/${state.ticketId}/transfer`,
              { body: { agent_id: Number($("transfer-agent").value), note: $("transfer-note").value } });
    $("transfer-dialog").close();
    await Promise.all([refreshTicket(), refreshQueue(), refreshAgents()]);
  } catch (error) { $("transfer-error").textContent = error.message; }
}

function setupRouting() {
  $("my-status").addEventListener("change", (event) => setMyStatus(event.target.value));
  $("transfer").addEventListener("click", () => openTransfer());
  $("transfer-form").addEventListener("submit", confirmTransfer);
  $("transfer-cancel").addEventListener("click", () => $("transfer-dialog").close());
  clearInterval(routing.timer);
  routing.timer = setInterval(() => refreshAgents().catch(() => {}), AGENTS_REFRESH_MS);
  return refreshAgents();
}
