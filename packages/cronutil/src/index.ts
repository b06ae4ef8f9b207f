/**
 * @galaxy/cronutil — the one cron parser/calculator of the Galaxy workspace: Go robfig/cron v3
 * semantics (`Minute | Hour | Dom | Month | Dow`, no seconds, no descriptors), evaluated in UTC,
 * computed by cron-parser.
 */
export type { CronFieldName } from "./errors.js";
export { CronParseError } from "./errors.js";
export type { Schedule } from "./schedule.js";
export { isValid, parse, validate } from "./schedule.js";
