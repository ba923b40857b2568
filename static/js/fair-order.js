// Fair order: each phone lists the items of a vote, allocate, rate or rank step in its own
// order, so no item collects dots for being first on every screen (dot voting favours the
// items listed first). The order is a pure function of who is looking, where and what: the
// same participant sees the same order on every reload and reconnect, and a new idea slots in
// without moving the others (each item's place comes from its own key, never from a shuffle
// of the whole list). The console and the projector keep a neutral order; they never call it.
//
// An item's key is the 32-bit FNV-1a hash of `${participantId}:${stageId}:${step}:${item.id}`
// (its UTF-8 bytes), finished with MurmurHash3's 32-bit finaliser (fmix32). FNV-1a alone is
// not enough here: the keys of one phone differ only in their last bytes, and FNV-1a's last
// multiplication carries those bytes into the high bits almost unmixed, so the order of ten
// items hardly depends on who is looking (2,000 phones saw about 200 distinct orders of 20
// items, and the first place went to a few items). The finaliser spreads every bit over the
// whole key. Items are sorted by key; equal keys (about one pair in 2^32) by id.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/** The 32-bit FNV-1a hash of a text's UTF-8 bytes, as an unsigned integer. */
export function fnv1a(text) {
  let hash = FNV_OFFSET;
  for (const byte of utf8.encode(String(text))) {
    hash = Math.imul(hash ^ byte, FNV_PRIME);
  }
  return hash >>> 0;
}

/** MurmurHash3's 32-bit finaliser: every input bit flips each output bit about half the time. */
export function fmix32(hash) {
  let h = hash >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** An item's sort key for one participant in one step of one stage (an unsigned integer). */
export function fairKey(itemId, { participantId, stageId, step }) {
  return fmix32(fnv1a(`${participantId}:${stageId}:${step}:${itemId}`));
}

function compareIds(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The items (each with an `id`) in this participant's order for this step: a new array; the
 * given one is left as it was. `step` is the stage's step index (a second round keeps the
 * order: the room compares its new answers with the old ones).
 */
export function fairOrder(items, { participantId, stageId, step }) {
  const seed = { participantId, stageId, step };
  return Array.from(items, (item) => ({ item, key: fairKey(item.id, seed) }))
    .sort((a, b) => a.key - b.key || compareIds(a.item.id, b.item.id))
    .map(({ item }) => item);
}
