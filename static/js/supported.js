// GOV.UK Frontend's components run only where the browser supports ES modules; this marks the body
// before first paint, as the Frontend page template does with an inline script (our pages allow none).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
