// arXiv API answers shaped as the API answers them (see ../shared/data/arxiv-api-atom), for tests
// that must run without the real responses.

export interface AtomEntry {
  id: string;
  title?: string;              // default "Paper ID"
  summary?: string;            // default "An abstract for ID."
  published?: string;          // ISO; default 2023-03-06T10:00:00Z
  category?: string;           // default cs.LG
  authors?: string[];          // default Ada Lovelace
}

export function atomFeed(entries: AtomEntry[]): string {
  const items = entries.map((e) => {
    const published = e.published ?? '2023-03-06T10:00:00Z';
    const category = e.category ?? 'cs.LG';
    return `  <entry>
    <id>http://arxiv.org/abs/${e.id}v1</id>
    <title>${e.title ?? `Paper ${e.id}`}</title>
    <updated>${published}</updated>
    <link href="https://arxiv.org/abs/${e.id}v1"/>
    <summary>${e.summary ?? `An abstract for ${e.id}.`}</summary>
    <category term="${category}" scheme="http://arxiv.org/schemas/atom"/>
    <published>${published}</published>
    <arxiv:primary_category term="${category}"/>
${(e.authors ?? ['Ada Lovelace']).map((name) => `    <author><name>${name}</name></author>`).join('\n')}
  </entry>`;
  });
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/test</id>
  <title>arXiv Query</title>
  <updated>2025-11-11T18:30:58Z</updated>
  <opensearch:itemsPerPage>${entries.length}</opensearch:itemsPerPage>
  <opensearch:totalResults>${entries.length}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
${items.join('\n')}
</feed>`;
}
