// TP agent console: the log-in page (a file, not inline code: the console's Content-Security-Policy allows no
// inline scripts).
"use strict";

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  try {
    const reply = await fetch("/console/api/login", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({
        username: document.getElementById("username").value,
        password: document.getElementById("password").value,
      }),
    });
    if (reply.ok) { window.location.href = "/console/"; return; }
    error.textContent = (await reply.json()).error || "登录失败，请重试";
  } catch (e) {
    error.textContent = "无法连接服务器，请检查网络后重试";
  }
});
