/**
 * The fake OpenAI-compatible LLM of bench/chat.ts, in its own process so that neither the load generator nor
 * Switchboard shares its event loop. Answers every call at once (0 ms delay) and prints its address as one JSON line.
 */
import { startFakeLlmServer } from '../test/helpers/fake-llm-server.js';

const ANSWER = 'A strong password is at least 15 characters long [1]. A password manager can create and remember it [2].';

const server = await startFakeLlmServer({ respond: () => ({ text: ANSWER, usage: { inputTokens: 400, outputTokens: 24 } }) });
// Recorded requests would grow without bound under load: this process only answers.
setInterval(() => server.requests.splice(0), 1000).unref();
console.log(JSON.stringify({ baseUrl: server.baseUrl, hostPort: server.hostPort }));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
