/**
 * Where links in chat point: the status board's pages when it is on, else
 * the JSON API. Only with `http.public_url` set: the bot's own address is
 * usually not what people's browsers reach.
 */
export class Links {
  private readonly base: string | undefined;

  constructor(publicUrl: string | undefined, private readonly board: boolean) {
    this.base = publicUrl?.replace(/\/$/, '');
  }

  alert(id: number): string | undefined {
    return this.url(this.board ? `/alerts/${id}` : `/api/v1/alerts/${id}`);
  }

  /** `status`, `severity`, `host`, `name`: the API's filters; the board reads the first three. */
  alerts(params: URLSearchParams): string | undefined {
    return this.url(`${this.board ? '/alerts' : '/api/v1/alerts'}?${params}`);
  }

  /** `host`, `since`, `level`, `q`: the board's log search (the API has none, so no link without the board). */
  logs(params: URLSearchParams): string | undefined {
    return this.board ? this.url(`/logs?${params}`) : undefined;
  }

  ticket(id: number): string | undefined {
    return this.url(this.board ? `/tickets/${id}` : `/api/v1/tickets/${id}`);
  }

  tickets(params: URLSearchParams): string | undefined {
    return this.url(`${this.board ? '/tickets' : '/api/v1/tickets'}?${params}`);
  }

  /** Hosts matching filters (`role=db`, `name=web*`): the board's fleet filtered by their values, or the API's list. */
  servers(filters: Record<string, string>): string | undefined {
    const q = new URLSearchParams(filters).toString();
    if (!this.board) return this.url(`/api/v1/servers${q ? `?${q}` : ''}`);
    const words = Object.values(filters).map((v) => v.replace(/[*?[\]]/g, ' ').trim()).filter(Boolean).join(' ');
    return this.url(words ? `/?${new URLSearchParams({ q: words })}` : '/');
  }

  private url(path: string): string | undefined {
    return this.base === undefined ? undefined : this.base + path;
  }
}
