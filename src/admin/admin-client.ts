/** The admin API from a script or the CLI: `metaq reload`, `close-partitions`, `open-partitions`, `monitor`. */
export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/$/, '')}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new Error(
        `could not reach the admin API at ${this.baseUrl} (${(error as Error).message}); is the broker's HTTP port ([system] dashboardHttpPort) right?`,
        { cause: error },
      );
    }
    const text = await response.text();
    const json = (text === '' ? {} : JSON.parse(text)) as T & { message?: string };
    // The broker named: a command over several (lag --zk) must say which one refused.
    if (!response.ok) throw new Error(`${method} ${path} on ${this.baseUrl} answered ${response.status}: ${json.message ?? text}`);
    return json;
  }
}
