/** The part of an expression a {@link CronParseError} blames. */
export type CronFieldName =
  | "minute"
  | "hour"
  | "day-of-month"
  | "month"
  | "day-of-week"
  | "timezone";

/**
 * Thrown by `parse` (and returned by `validate`) for every expression Go's robfig/cron v3 standard
 * parser rejects, plus the time-zone prefixes this package refuses on purpose (anything but UTC).
 *
 * `field` names the offending field when the problem is inside one; it is absent for problems with
 * the expression as a whole (empty, wrong number of fields, `@` descriptors). `reason` is the bare
 * explanation, worded like robfig's own error so that Go and TypeScript logs read alike.
 */
export class CronParseError extends Error {
  /** The expression exactly as it was passed in. */
  readonly expression: string;
  /** The field at fault, or undefined when the expression as a whole is malformed. */
  readonly field?: CronFieldName;
  /** Why the expression was rejected, without the expression or field prefix. */
  readonly reason: string;

  /**
   * @param expression the rejected expression
   * @param reason why it was rejected
   * @param field the field at fault, if the problem is inside one field
   */
  constructor(expression: string, reason: string, field?: CronFieldName) {
    const where = field === undefined ? "" : `${field} field: `;
    super(`invalid cron expression ${JSON.stringify(expression)}: ${where}${reason}`);
    this.name = "CronParseError";
    this.expression = expression;
    this.reason = reason;
    if (field !== undefined) {
      this.field = field;
    }
  }
}
