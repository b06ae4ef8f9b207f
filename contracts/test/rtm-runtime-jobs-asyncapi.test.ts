import { beforeAll, describe, expect, it } from "vitest";
import {
  checkAction,
  checkStream,
  findOpenPayloadSchemas,
  requireMessagePayload,
  requireParsedAsyncApi,
} from "./support/asyncapi.js";
import {
  checkStreamEntry,
  countAsyncApiExamples,
  createExampleValidator,
  findAsyncApiExampleProblems,
} from "./support/examples.js";
import { CONTRACT_FILES, contractPath, readYamlDocument } from "./support/files.js";
import { cloneJson, dig, digObject, type JsonObject } from "./support/json.js";
import { checkEnum } from "./support/openapi.js";
import { JOB_RESULTS_STREAM, START_JOBS_STREAM } from "./support/spec.js";

const FILE = CONTRACT_FILES.rtmJobs;
const START = START_JOBS_STREAM.address;
const RESULTS = JOB_RESULTS_STREAM.address;

describe(`${FILE}`, () => {
  let source: JsonObject;
  let document: JsonObject;

  beforeAll(async () => {
    source = readYamlDocument(FILE);
    document = await requireParsedAsyncApi(source, contractPath(FILE));
  });

  it("parses with @asyncapi/parser without error diagnostics (AsyncAPI 3.0.0)", () => {
    expect(document.asyncapi).toBe("3.0.0");
  });

  it("freezes the start job {game_id, image_ref, requested_at_ms}, received by RTM", () => {
    expect([
      ...checkStream(document, START_JOBS_STREAM),
      ...checkAction(document, START, "receive"),
    ]).toEqual([]);
  });

  it("freezes the job result {game_id, outcome, engine_endpoint, error_code, error_message, completed_at_ms}, sent by RTM", () => {
    expect([
      ...checkStream(document, JOB_RESULTS_STREAM),
      ...checkAction(document, RESULTS, "send"),
      ...checkEnum(
        dig(requireMessagePayload(document, RESULTS, "job_result"), "properties", "outcome"),
        ["success", "failure"],
        "job_result outcome",
      ),
    ]).toEqual([]);
  });

  it("requires an endpoint on success and an error code on failure", () => {
    const payload = requireMessagePayload(document, RESULTS, "job_result");
    const validator = createExampleValidator("draft-07");
    const base = { game_id: "g", error_message: "", completed_at_ms: "1" };
    expect(
      checkStreamEntry(
        validator,
        payload,
        { ...base, outcome: "success", engine_endpoint: "", error_code: "" },
        "success",
      ),
    ).toEqual([
      'success: /engine_endpoint must NOT have fewer than 1 characters; / must match "then" schema',
    ]);
    expect(
      checkStreamEntry(
        validator,
        payload,
        { ...base, outcome: "failure", engine_endpoint: "", error_code: "" },
        "failure",
      ),
    ).toEqual([
      'failure: /error_code must NOT have fewer than 1 characters; / must match "then" schema',
    ]);
  });

  it("closes every payload schema", () => {
    expect(findOpenPayloadSchemas(document)).toEqual([]);
  });

  it("has examples that conform to their schemas", () => {
    expect(countAsyncApiExamples(document)).toBeGreaterThanOrEqual(3);
    expect(findAsyncApiExampleProblems(document)).toEqual([]);
  });

  describe("catches drift in a mutated copy", () => {
    async function mutated(mutate: (copy: JsonObject) => void): Promise<JsonObject> {
      const copy = cloneJson(source);
      mutate(copy);
      return requireParsedAsyncApi(copy, contractPath(FILE));
    }

    it("reports a start job field that disappeared and one that appeared", async () => {
      const drifted = await mutated((copy) => {
        const payload = digObject(copy, "components", "schemas", "StartJobPayload");
        const properties = digObject(payload, "properties");
        delete properties.image_ref;
        properties.engine_version = { type: "string" };
        payload.required = ["game_id", "requested_at_ms", "engine_version"];
      });
      expect(checkStream(drifted, START_JOBS_STREAM)).toEqual([
        "runtime:start_jobs start_job: field image_ref is missing",
        "runtime:start_jobs start_job: unexpected field engine_version",
        "runtime:start_jobs start_job: field image_ref is not required",
        "runtime:start_jobs start_job: unknown field engine_version is required",
      ]);
    });

    it("reports a reversed direction", async () => {
      const drifted = await mutated((copy) => {
        digObject(copy, "operations", "sendJobResults").action = "receive";
      });
      expect(checkAction(drifted, RESULTS, "send")).toEqual([
        "runtime:job_results: expected action send, found receive",
      ]);
    });
  });
});
