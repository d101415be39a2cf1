// Mounts the rasa-webchat widget (served from our own server, see web/serve.py)
// on Rasa's socket.io channel. window.FAQ_ASSISTANT comes from /config.js.
(function () {
  "use strict";
  var config = window.FAQ_ASSISTANT || {};

  window.WebChat.default({
    socketUrl: config.socketUrl,
    socketPath: "/socket.io/",
    initPayload: "/greet",
    title: "FAQ assistant",
    subtitle: "Depression and neck pain",
    inputTextFieldHint: "Ask a question...",
    connectingText: "Connecting...",
    showFullScreenButton: false,
    withRules: false,
    params: { storage: "session" },
    customMessageDelay: function () { return 300; }
  }, null);

  // The page's own button opens the widget through its launcher.
  document.getElementById("start-chat").addEventListener("click", function () {
    var launcher = document.querySelector(".rw-launcher");
    if (launcher && !document.querySelector(".rw-conversation-container")) {
      launcher.click();
    }
    var input = document.querySelector(".rw-new-message");
    if (input) { input.focus(); }
  });
})();
