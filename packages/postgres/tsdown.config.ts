// Every shared package builds alike: the repository's tsdown.shared.config.ts.
export { default } from "../../tsdown.shared.config.js";
