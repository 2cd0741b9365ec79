// Starts every GOV.UK Frontend component on the page (navigation toggle, error summary focus, banners).
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
