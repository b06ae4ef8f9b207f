export { createRtmStubApp, type RtmStubDeps } from "./app.js";
export {
  containerIdFor,
  DEFAULT_ENGINE_BASE_URL,
  DEFAULT_STREAMS,
  encodeHealthEvent,
  encodeJobResult,
  engineEndpointFor,
  HEALTH_EVENT_TYPES,
  type HealthEvent,
  type HealthEventType,
  type JobResult,
  type RtmStreams,
  START_FAILURE_CODES,
  STOP_REASONS,
} from "./contracts.js";
export { createRedisEventPublisher, type RtmEventPublisher } from "./events.js";
export {
  type RunningRtmStub,
  type StartRtmStubOptions,
  startRtmStub,
} from "./server.js";
export {
  type ArmedFailure,
  DEFAULT_CALLS_LIMIT,
  type FailableOperation,
  RtmStubState,
  type StubCall,
} from "./state.js";
export {
  handleStartJob,
  type RtmStubLogger,
  START_JOBS_OFFSET_LABEL,
  type StartJobContext,
  type StartJobsWorkerOptions,
  startStartJobsWorker,
} from "./worker.js";
