import { describe, expect, it } from "vitest";
import { LobbyState, StateError } from "./state.js";

function newState() {
  const state = new LobbyState({ now: () => new Date("2030-01-01T00:00:00Z") });
  state.createGame({
    game_id: "g1",
    name: "Game 1",
    target_engine_version: "1.2.3",
    turn_schedule: "0 * * * *",
    min_players: 2,
  });
  return state;
}

function expectStateError(fn: () => unknown, kind: "not_found" | "conflict") {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).kind).toBe(kind);
    return;
  }
  throw new Error("expected a StateError");
}

describe("LobbyState", () => {
  it("creates a game in enrolling and refuses a duplicate id", () => {
    const state = newState();
    expect(state.getGame("g1")).toMatchObject({
      status: "enrolling",
      members: [],
      current_turn: 0,
    });
    expectStateError(
      () =>
        state.createGame({
          game_id: "g1",
          name: "again",
          target_engine_version: "1.2.3",
          turn_schedule: "* * * * *",
          min_players: 1,
        }),
      "conflict",
    );
  });

  it("moves to ready_to_start at min_players active members and back when one leaves", () => {
    const state = newState();
    state.addMember("g1", "u1", "Zorgons");
    expect(state.getGame("g1").status).toBe("enrolling");
    state.addMember("g1", "u2", "Humans");
    expect(state.getGame("g1").status).toBe("ready_to_start");
    state.removeMember("g1", "u2");
    expect(state.getGame("g1").status).toBe("enrolling");
  });

  it("keeps user ids and race names unique across every member status", () => {
    const state = newState();
    state.addMember("g1", "u1", "Zorgons");
    state.removeMember("g1", "u1");
    expectStateError(() => state.addMember("g1", "u1", "Other"), "conflict");
    expectStateError(() => state.addMember("g1", "u2", "zorgons"), "conflict");
  });

  it("removes only active members and blocks active or removed ones", () => {
    const state = newState();
    state.addMember("g1", "u1", "Zorgons");
    state.addMember("g1", "u2", "Humans");
    state.removeMember("g1", "u1");
    expectStateError(() => state.removeMember("g1", "u1"), "conflict");
    state.blockMember("g1", "u1");
    state.blockMember("g1", "u2");
    expectStateError(() => state.blockMember("g1", "u2"), "conflict");
    expectStateError(() => state.removeMember("g1", "nobody"), "not_found");
    expect(state.memberships("g1").map((member) => member.status)).toEqual(["blocked", "blocked"]);
  });

  it("hands out copies that cannot change the store", () => {
    const state = newState();
    state.addMember("g1", "u1", "Zorgons");
    const copy = state.getGame("g1");
    copy.members[0] = { user_id: "evil", race_name: "Evil", status: "active" };
    copy.status = "finished";
    expect(state.getGame("g1").members[0]?.user_id).toBe("u1");
    expect(state.getGame("g1").status).toBe("enrolling");
  });

  it("transitions only from an expected status", () => {
    const state = newState();
    expect(state.transition("g1", ["ready_to_start"], "starting")).toBeNull();
    expect(state.transition("missing", ["enrolling"], "starting")).toBeNull();
    expect(state.transition("g1", ["enrolling"], "starting", { image_ref: "img" })).toMatchObject({
      status: "starting",
      image_ref: "img",
    });
  });

  it("freezes the roster of a finished game and leaves start-flow statuses alone", () => {
    const state = newState();
    state.addMember("g1", "u1", "Zorgons");
    state.addMember("g1", "u2", "Humans");
    state.transition("g1", ["ready_to_start"], "running");
    state.removeMember("g1", "u2");
    expect(state.getGame("g1").status).toBe("running");
    state.transition("g1", ["running"], "finished");
    expectStateError(() => state.addMember("g1", "u3", "Elves"), "conflict");
  });
});
