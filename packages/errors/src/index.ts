export { codeForStatus, ERROR_CODES, ERROR_STATUS, type ErrorCode, isErrorCode } from "./codes.js";
export { type ErrorEnvelope, errorEnvelope, GalaxyError, isGalaxyError } from "./galaxy-error.js";
export {
  createErrorHandler,
  type ErrorHandlerOptions,
  type ErrorLogger,
  notFoundHandler,
} from "./hono.js";
export { DEFAULT_MAX_JSON_DEPTH, jsonDepth, jsonTooDeep } from "./json.js";
export {
  findInvalidText,
  formatPath,
  type InvalidText,
  invalidTextMessage,
  textProblem,
} from "./text.js";
export { formatZodError, type ValidationHookResult, validationHook } from "./zod.js";
