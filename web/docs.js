// Swagger UI over openapi.yaml (served as /openapi.json). Its "Authorize"
// button runs the OAuth2 password grant against /login and then sends the
// access token as a bearer token, so every protected route can be tried here.
window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#ui",
  validatorUrl: null,
  oauth2RedirectUrl: `${location.origin}/docs/oauth2-redirect.html`,
  persistAuthorization: false,
  tryItOutEnabled: true,
});
