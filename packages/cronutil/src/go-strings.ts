/**
 * The few pieces of Go's standard library that robfig/cron's parser leans on, ported with their exact
 * edge cases: which characters `strings.Fields` splits on, what `strconv.Atoi` accepts, and how
 * `strings.ToLower` can turn a non-ASCII letter into an ASCII one. Parity with Go depends on these
 * details, so they live here rather than being approximated with JavaScript built-ins
 * (`/\s/` differs from Go's `unicode.IsSpace`, `Number()` accepts "0x1f", "1e3", " 5" …).
 */

/**
 * Every code point for which Go's `unicode.IsSpace` is true: the Latin-1 set
 * (`\t \n \v \f \r`, space, U+0085 NEL, U+00A0 NBSP) plus Unicode's White_Space property.
 * Unlike JavaScript's `\s` it includes U+0085 and excludes U+FEFF.
 */
const GO_SPACE_RUN = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

const GO_LEADING_SPACE = new RegExp(`^${GO_SPACE_RUN.source}`);
const GO_TRAILING_SPACE = new RegExp(`${GO_SPACE_RUN.source}$`);

/** `strings.Fields`: split around runs of Go white space, dropping empty pieces. */
export function goFields(text: string): string[] {
  return text.split(GO_SPACE_RUN).filter((piece) => piece.length > 0);
}

/** `strings.TrimSpace` with Go's notion of white space. */
export function goTrimSpace(text: string): string {
  return text.replace(GO_LEADING_SPACE, "").replace(GO_TRAILING_SPACE, "");
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Outcome of {@link goAtoi}: the value, or Go's error text. */
export type AtoiResult = { ok: true; value: bigint } | { ok: false; message: string };

/**
 * `strconv.Atoi` on a 64-bit platform: an optional `+` or `-`, then one or more ASCII digits
 * (leading zeros allowed, no underscores, no spaces, no base prefixes), within int64.
 */
export function goAtoi(text: string): AtoiResult {
  const quoted = JSON.stringify(text);
  let digits = text;
  let negative = false;
  if (digits.startsWith("+") || digits.startsWith("-")) {
    negative = digits.startsWith("-");
    digits = digits.slice(1);
  }
  if (!/^[0-9]+$/.test(digits)) {
    return { ok: false, message: `strconv.Atoi: parsing ${quoted}: invalid syntax` };
  }
  const magnitude = BigInt(digits);
  const value = negative ? -magnitude : magnitude;
  if (value > INT64_MAX || value < INT64_MIN) {
    return { ok: false, message: `strconv.Atoi: parsing ${quoted}: value out of range` };
  }
  return { ok: true, value };
}

/**
 * `strings.ToLower`, as far as it matters for matching ASCII names such as "jan" or "fri".
 * Go lower-cases rune by rune with the simple Unicode mapping, under which exactly three kinds of
 * character become ASCII letters: `A`–`Z`, U+0130 (İ → i) and U+212A (Kelvin sign → k).
 * Any other non-ASCII character stays non-ASCII, so it can never complete a name; it is kept as is.
 */
export function goLowerForNames(text: string): string {
  let out = "";
  for (const char of text) {
    if (char >= "A" && char <= "Z") {
      out += char.toLowerCase();
    } else if (char === "\u0130") {
      out += "i";
    } else if (char === "\u212a") {
      out += "k";
    } else {
      out += char;
    }
  }
  return out;
}
