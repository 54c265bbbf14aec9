import dns2 from 'dns2';

/**
 * A real DNS server on 127.0.0.1 (UDP, a random port) answering TXT questions from a map the
 * test controls; the app's DNS_RESOLVERS points at it. `mode` makes it fail: SERVFAIL, or no
 * answer at all (the resolver times out).
 */
export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for DNS_RESOLVERS. */
  address: string;
  /** Lowercase name → its TXT values. A name not here answers NXDOMAIN. */
  txt: Map<string, string[]>;
  mode: 'answer' | 'servfail' | 'silent';
  /** Questions received, lowercase names. */
  questions: string[];
  close(): Promise<void>;
}

/** RFC 1035 response codes (dns2's typings leave Packet.RCODE out). */
const SERVFAIL = 2;
const NXDOMAIN = 3;

export async function startDnsServer(): Promise<TestDnsServer> {
  const { Packet } = dns2;
  const state = {
    txt: new Map<string, string[]>(),
    mode: 'answer' as TestDnsServer['mode'],
    questions: [] as string[],
  };
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const [question] = request.questions;
      const name = question.name.toLowerCase();
      state.questions.push(name);
      if (state.mode === 'silent') return;
      const response = Packet.createResponseFromRequest(request);
      const values = state.txt.get(name);
      if (state.mode === 'servfail') {
        response.header.rcode = SERVFAIL;
      } else if (!values) {
        response.header.rcode = NXDOMAIN;
      } else if (question.type === Packet.TYPE.TXT) {
        for (const value of values) {
          // Plain records are what dns2 encodes; its typings want the decoded class.
          const record = {
            name: question.name,
            type: Packet.TYPE.TXT,
            class: Packet.CLASS.IN,
            ttl: 1,
            data: value,
          };
          response.answers.push(record as unknown as (typeof response.answers)[number]);
        }
      }
      void send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = addresses.udp?.port ?? server.addresses().udp?.port;
  if (!port) throw new Error('the test DNS server did not report its port');
  return Object.assign(state, {
    address: `127.0.0.1:${port}`,
    close: () => server.close(),
  });
}
