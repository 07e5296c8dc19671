// Small progressive enhancements. No inline scripts anywhere (CSP script-src 'self').
document.addEventListener("change", function (event) {
  var form = event.target.closest("form.js-autosubmit");
  if (form && event.target.tagName === "SELECT") { form.submit(); }
});
