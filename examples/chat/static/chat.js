// The chat page: one WebSocket to /ws on the same host, JSON text frames.
(function () {
  "use strict";
  var statusEl = document.getElementById("status");
  var onlineEl = document.getElementById("online");
  var messagesEl = document.getElementById("messages");
  var errorEl = document.getElementById("error");
  var form = document.getElementById("send");
  var nameInput = document.getElementById("name");
  var textInput = document.getElementById("text");

  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + "/ws");

  socket.addEventListener("open", function () {
    statusEl.textContent = "connected";
  });
  socket.addEventListener("close", function () {
    statusEl.textContent = "disconnected";
  });
  socket.addEventListener("message", function (event) {
    var message = JSON.parse(event.data);
    if (message.type === "message") {
      var item = document.createElement("li");
      var who = document.createElement("strong");
      // textContent, never innerHTML: what others type is shown, not run.
      who.textContent = message.name;
      item.appendChild(who);
      item.appendChild(document.createTextNode(": " + message.text));
      messagesEl.appendChild(item);
    } else if (message.type === "presence") {
      onlineEl.textContent = String(message.online);
    } else if (message.type === "error") {
      errorEl.textContent = message.error;
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!textInput.value.trim() || socket.readyState !== WebSocket.OPEN) {
      return;
    }
    errorEl.textContent = "";
    socket.send(JSON.stringify({ name: nameInput.value, text: textInput.value }));
    textInput.value = "";
  });
})();
