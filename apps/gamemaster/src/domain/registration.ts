import { parse } from "@galaxy/cronutil";
import { isValidSemver } from "./engine-version.js";

/** One member of a register-runtime request. */
export interface RegistrationMember {
  userId: string;
  raceName: string;
}

/** The fields of a register-runtime request that carry rules beyond their type. */
export interface RegistrationFields {
  engineEndpoint: string;
  members: readonly RegistrationMember[];
  targetEngineVersion: string;
  turnSchedule: string;
}

/** One rule violation, with the path of the offending request field. */
export interface RegistrationProblem {
  path: (string | number)[];
  message: string;
}

/** Whether `text` is an absolute http(s) URL without credentials, query or fragment. */
export function isEngineEndpoint(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      (url.protocol === "http:" || url.protocol === "https:") &&
      url.username === "" &&
      url.password === "" &&
      url.search === "" &&
      url.hash === ""
    );
  } catch {
    return false;
  }
}

/** The reason `expr` is not a valid turn schedule, or null when it is one. */
export function turnScheduleError(expr: string): string | null {
  try {
    parse(expr);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : "invalid cron expression";
  }
}

/**
 * The register-runtime rules of docs/reference.md#register-runtime that a JSON schema cannot express:
 * non-empty roster without duplicate user or race, a valid cron schedule, an
 * http(s) engine endpoint and a semver target version. Shared by the request
 * schema (so a bad request is refused before anything is written) and by the
 * service (so no other caller can bypass them).
 */
export function registrationProblems(fields: RegistrationFields): RegistrationProblem[] {
  const problems: RegistrationProblem[] = [];
  if (!isEngineEndpoint(fields.engineEndpoint)) {
    problems.push({
      path: ["engine_endpoint"],
      message: "must be an absolute http(s) URL without credentials, query or fragment",
    });
  }
  if (fields.members.length === 0) {
    problems.push({ path: ["members"], message: "must not be empty" });
  }
  const users = new Set<string>();
  const races = new Set<string>();
  fields.members.forEach((member, index) => {
    if (users.has(member.userId)) {
      problems.push({
        path: ["members", index, "user_id"],
        message: `duplicate user_id "${member.userId}"`,
      });
    }
    users.add(member.userId);
    if (races.has(member.raceName)) {
      problems.push({
        path: ["members", index, "race_name"],
        message: `duplicate race_name "${member.raceName}"`,
      });
    }
    races.add(member.raceName);
  });
  if (!isValidSemver(fields.targetEngineVersion)) {
    problems.push({
      path: ["target_engine_version"],
      message: `"${fields.targetEngineVersion}" is not a semantic version (e.g. 1.4.2)`,
    });
  }
  const scheduleError = turnScheduleError(fields.turnSchedule);
  if (scheduleError !== null) {
    problems.push({ path: ["turn_schedule"], message: scheduleError });
  }
  return problems;
}
