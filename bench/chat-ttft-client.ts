/**
 * The time-to-first-token client of bench/chat.ts, in its own process: a client sharing Switchboard's event loop
 * would read the first token only once the server's work after it (the rest of the stream, persisting the turn) let
 * go of the thread, which no real client waits for. Takes the targets as one JSON argument, calls them in turn
 * (`runs` rounds, sequentially) and prints each target's times in milliseconds as one JSON line.
 */
type Target = { name: string; url: string; body: object; headers: Record<string, string> };

const { targets, runs } = JSON.parse(process.argv[2]!) as { targets: Target[]; runs: number };

/** Milliseconds until the first non-empty content delta of a streamed chat completion. */
const timeToFirstToken = async ({ url, body, headers }: Target) => {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ ...body, stream: true }) });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let firstToken: number | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (firstToken === undefined && /"content":"[^"]/.test(text)) firstToken = performance.now() - started;
  }
  if (firstToken === undefined) throw new Error(`no token in stream: ${text.slice(0, 300)}`);
  return firstToken;
};

const times: Record<string, number[]> = Object.fromEntries(targets.map((target) => [target.name, []]));
for (let run = 0; run < runs; run++) {
  for (const target of targets) times[target.name]!.push(await timeToFirstToken(target));
}
console.log(JSON.stringify(times));
