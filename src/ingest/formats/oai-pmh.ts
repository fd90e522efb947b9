// OAI-PMH responses from arXiv (ListRecords / GetRecord) in the three metadata formats it serves:
// oai_dc (Dublin Core: names instead of codes, "Last, First" authors), arXiv (structured authors)
// and arXivRaw (the submission history with a date and size per version). The format is read
// per record from its metadata element, so a file mixing them is fine.

import { displayName, splitAuthors, toIsoUtc } from '../../paper/text.ts';
import type { ParseResult, RecordOrigin } from '../../paper/types.ts';
import {
  failure,
  finishRecord,
  list,
  optionalText,
  parseXmlEnvelope,
  readVersion,
  splitCategories,
  splitXmlDocument,
  streamXmlFragments,
  structuredAuthorName,
  text,
  XmlRecordSplitter,
  xmlRecordResult,
  withoutUndefined,
  type XmlFragment,
  type XmlNode,
} from './common.ts';

export interface OaiPage {
  results: ParseResult[];
  /** The token for the next page; undefined on the last page (OAI-PMH sends it empty there). */
  resumptionToken?: string;
  completeListSize?: number;
  cursor?: number;
  /** An OAI-PMH <error>, e.g. noRecordsMatch for an empty window or badResumptionToken. */
  oaiError?: { code: string; message: string };
}

const RECORD = 'record';
const OAI_PMH = 'OAI-PMH';

/**
 * Parses one OAI-PMH response page (what the live harvester fetches). Throws when the text is not
 * a complete OAI-PMH response, so that a cut-off or HTML page is never taken for the last page.
 */
export function parseOaiPmhPage(xml: string, source: string): OaiPage {
  const { fragments, envelope } = splitXmlDocument(xml, RECORD);
  const root = parseXmlEnvelope(envelope, OAI_PMH);
  const listNode = (root.ListRecords ?? root.ListIdentifiers ?? {}) as XmlNode;
  const token = listNode.resumptionToken as XmlNode | string | undefined;
  return withoutUndefined({
    results: fragments.map((f, i) => recordResult(f, i + 1, source)),
    resumptionToken: optionalText(token),
    completeListSize: numberAttribute(token, 'completeListSize'),
    cursor: numberAttribute(token, 'cursor'),
    oaiError: readOaiError(root),
  });
}

/**
 * Parses a saved OAI-PMH response as a stream. What is wrong with the file as a whole (cut off,
 * an OAI-PMH error other than noRecordsMatch, which only means "empty") is one file-level error.
 */
export async function* parseOaiPmhStream(chunks: AsyncIterable<string>, source: string): AsyncIterable<ParseResult> {
  const splitter = new XmlRecordSplitter(RECORD);
  let n = 0;
  for await (const fragment of streamXmlFragments(chunks, splitter)) yield recordResult(fragment, ++n, source);
  const problem = fileProblem(splitter.envelope);
  if (problem) yield failure({ source, position: 'file' }, problem);
}

function fileProblem(envelope: string): string | undefined {
  try {
    const oaiError = readOaiError(parseXmlEnvelope(envelope, OAI_PMH));
    return oaiError && oaiError.code !== 'noRecordsMatch' ? `OAI-PMH error ${oaiError.code}: ${oaiError.message}` : undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function recordResult(fragment: XmlFragment, n: number, source: string): ParseResult {
  const origin = { source, position: `record ${n}` };
  return xmlRecordResult(fragment, RECORD, origin, (record) => mapRecord(record, origin));
}

function mapRecord(record: XmlNode, origin: RecordOrigin): ParseResult {
  const header = (record.header ?? {}) as XmlNode;
  const identifier = optionalText(header.identifier);
  if (header['@status'] === 'deleted') {
    return { skip: { ...origin, reason: `deleted upstream: ${identifier ?? 'no identifier'}` } };
  }
  const metadata = (record.metadata ?? {}) as XmlNode;
  if (metadata.dc) return fromOaiDc(metadata.dc as XmlNode, header, origin);
  if (metadata.arXiv) return fromArxiv(metadata.arXiv as XmlNode, origin);
  if (metadata.arXivRaw) return fromArxivRaw(metadata.arXivRaw as XmlNode, origin);
  const found = Object.keys(metadata).filter((k) => !k.startsWith('@'));
  return failure(origin, found.length ? `unsupported metadata format <${found[0]}> (${identifier})` : `record without metadata (${identifier})`);
}

// --- oai_dc -----------------------------------------------------------------------------------

function fromOaiDc(dc: XmlNode, header: XmlNode, origin: RecordOrigin): ParseResult {
  const descriptions = list(dc.description).map(text).filter((d): d is string => d !== undefined);
  const comment = descriptions.find((d) => COMMENT.test(d));
  const dates = list(dc.date).map((d) => toIsoUtc(text(d)));
  const identifiers = readDcIdentifiers(list(dc.identifier).map(text));
  return finishRecord(
    {
      id: identifiers.absUrl ?? text(header.identifier),
      title: dc.title,
      abstract: descriptions.find((d) => !COMMENT.test(d)),
      authors: list(dc.creator).map((c) => displayName(text(c) ?? '')),
      categories: subjectCategories(list(dc.subject).map(text), list(header.setSpec).map(text)),
      published: dates[0],
      updated: dates.at(-1),
      comments: comment?.replace(COMMENT, ''),
      doi: identifiers.doi,
      journalRef: identifiers.journalRef,
    },
    origin,
  );
}

const COMMENT = /^\s*Comment:\s*/;

/** dc:identifier holds the abs URL, "doi:10.…" and the journal reference, told apart by their form. */
function readDcIdentifiers(values: (string | undefined)[]): { absUrl?: string; doi?: string; journalRef?: string } {
  const found: { absUrl?: string; doi?: string; journalRef?: string } = {};
  for (const value of values) {
    const v = value?.trim();
    if (!v) continue;
    if (/arxiv\.org\/abs\//i.test(v)) found.absUrl ??= v;
    else if (/^doi:/i.test(v)) found.doi ??= v.replace(/^doi:\s*/i, '');
    else if (!/^[a-z]+:\/\//i.test(v)) found.journalRef ??= v;
  }
  return found;
}

/**
 * oai_dc names categories ("Computer Science - Machine Learning") and mixes in MSC/ACM codes;
 * names map back to codes, anything else is dropped. Without a known name, the header's set
 * ("physics:hep-th") is the best we have.
 */
function subjectCategories(subjects: (string | undefined)[], setSpecs: (string | undefined)[]): string[] | undefined {
  const codes = subjects.map((s) => (s ? CATEGORY_BY_NAME.get(s.trim()) : undefined)).filter((c): c is string => !!c);
  if (codes.length) return [...new Set(codes)];
  const sets = setSpecs.filter((s): s is string => !!s).map((s) => s.split(':').at(-1)!);
  return sets.length ? sets : undefined;
}

// --- arXiv ------------------------------------------------------------------------------------

function fromArxiv(meta: XmlNode, origin: RecordOrigin): ParseResult {
  const created = toIsoUtc(text(meta.created));
  const authors = list((meta.authors as XmlNode | undefined)?.author) as XmlNode[];
  return finishRecord(
    {
      ...arxivCommonFields(meta),
      authors: authors.map((a) => structuredAuthorName(a.keyname, a.forenames, a.suffix)),
      published: created,
      updated: toIsoUtc(text(meta.updated)) ?? created, // no <updated>: v1 is the latest version
    },
    origin,
  );
}

// --- arXivRaw ---------------------------------------------------------------------------------

function fromArxivRaw(meta: XmlNode, origin: RecordOrigin): ParseResult {
  const versions = (list(meta.version) as XmlNode[]).map((v) => readVersion(v['@version'], v.date, v.size));
  return finishRecord(
    {
      ...arxivCommonFields(meta),
      authors: splitAuthors(text(meta.authors) ?? ''),
      versions: versions.filter((v) => v !== undefined),
    },
    origin,
  );
}

/** The elements arXiv and arXivRaw share (they differ in authors and dates). */
function arxivCommonFields(meta: XmlNode) {
  return {
    id: meta.id,
    title: meta.title,
    abstract: text(meta.abstract),
    categories: splitCategories(meta.categories),
    comments: text(meta.comments),
    reportNo: text(meta['report-no']),
    journalRef: text(meta['journal-ref']),
    doi: text(meta.doi),
    license: text(meta.license),
  };
}

// --- envelope ---------------------------------------------------------------------------------

function readOaiError(root: XmlNode): OaiPage['oaiError'] {
  const error = list(root.error)[0] as XmlNode | string | undefined;
  if (error === undefined) return undefined;
  const code = typeof error === 'object' ? text(error['@code']) : undefined;
  return { code: code ?? 'unknown', message: optionalText(error) ?? '' };
}

function numberAttribute(node: XmlNode | string | undefined, name: string): number | undefined {
  const value = typeof node === 'object' ? optionalText(node[`@${name}`]) : undefined;
  const n = value === undefined ? NaN : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

// --- category names ---------------------------------------------------------------------------

// arXiv's taxonomy (arxiv-base, arxiv/taxonomy/definitions.py). oai_dc writes a category of an
// archive with subject classes as "<archive name> - <category name>", and a category that is a
// whole archive (hep-th, quant-ph, the retired ones) by its name alone.
const ARCHIVE_NAMES: Record<string, string> = {
  'astro-ph': 'Astrophysics',
  'cond-mat': 'Condensed Matter',
  cs: 'Computer Science',
  econ: 'Economics',
  eess: 'Electrical Engineering and Systems Science',
  math: 'Mathematics',
  nlin: 'Nonlinear Sciences',
  physics: 'Physics',
  'q-bio': 'Quantitative Biology',
  'q-fin': 'Quantitative Finance',
  stat: 'Statistics',
};

const CATEGORY_NAMES: Record<string, string> = {
  // archives that are categories themselves (some retired, some legacy bare archives)
  'acc-phys': 'Accelerator Physics',
  'adap-org': 'Adaptation, Noise, and Self-Organizing Systems',
  'alg-geom': 'Algebraic Geometry',
  'ao-sci': 'Atmospheric-Oceanic Sciences',
  'astro-ph': 'Astrophysics',
  'atom-ph': 'Atomic, Molecular and Optical Physics',
  'bayes-an': 'Bayesian Analysis',
  'chao-dyn': 'Chaotic Dynamics',
  'chem-ph': 'Chemical Physics',
  'cmp-lg': 'Computation and Language',
  'comp-gas': 'Cellular Automata and Lattice Gases',
  'cond-mat': 'Condensed Matter',
  'dg-ga': 'Differential Geometry',
  'funct-an': 'Functional Analysis',
  'gr-qc': 'General Relativity and Quantum Cosmology',
  'hep-ex': 'High Energy Physics - Experiment',
  'hep-lat': 'High Energy Physics - Lattice',
  'hep-ph': 'High Energy Physics - Phenomenology',
  'hep-th': 'High Energy Physics - Theory',
  'math-ph': 'Mathematical Physics',
  'mtrl-th': 'Materials Theory',
  'nucl-ex': 'Nuclear Experiment',
  'nucl-th': 'Nuclear Theory',
  'patt-sol': 'Pattern Formation and Solitons',
  'plasm-ph': 'Plasma Physics',
  'q-alg': 'Quantum Algebra and Topology',
  'q-bio': 'Quantitative Biology',
  'quant-ph': 'Quantum Physics',
  'solv-int': 'Exactly Solvable and Integrable Systems',
  'supr-con': 'Superconductivity',
  // astro-ph
  'astro-ph.CO': 'Cosmology and Nongalactic Astrophysics',
  'astro-ph.EP': 'Earth and Planetary Astrophysics',
  'astro-ph.GA': 'Astrophysics of Galaxies',
  'astro-ph.HE': 'High Energy Astrophysical Phenomena',
  'astro-ph.IM': 'Instrumentation and Methods for Astrophysics',
  'astro-ph.SR': 'Solar and Stellar Astrophysics',
  // cond-mat
  'cond-mat.dis-nn': 'Disordered Systems and Neural Networks',
  'cond-mat.mes-hall': 'Mesoscale and Nanoscale Physics',
  'cond-mat.mtrl-sci': 'Materials Science',
  'cond-mat.other': 'Other Condensed Matter',
  'cond-mat.quant-gas': 'Quantum Gases',
  'cond-mat.soft': 'Soft Condensed Matter',
  'cond-mat.stat-mech': 'Statistical Mechanics',
  'cond-mat.str-el': 'Strongly Correlated Electrons',
  'cond-mat.supr-con': 'Superconductivity',
  // cs
  'cs.AI': 'Artificial Intelligence',
  'cs.AR': 'Hardware Architecture',
  'cs.CC': 'Computational Complexity',
  'cs.CE': 'Computational Engineering, Finance, and Science',
  'cs.CG': 'Computational Geometry',
  'cs.CL': 'Computation and Language',
  'cs.CR': 'Cryptography and Security',
  'cs.CV': 'Computer Vision and Pattern Recognition',
  'cs.CY': 'Computers and Society',
  'cs.DB': 'Databases',
  'cs.DC': 'Distributed, Parallel, and Cluster Computing',
  'cs.DL': 'Digital Libraries',
  'cs.DM': 'Discrete Mathematics',
  'cs.DS': 'Data Structures and Algorithms',
  'cs.ET': 'Emerging Technologies',
  'cs.FL': 'Formal Languages and Automata Theory',
  'cs.GL': 'General Literature',
  'cs.GR': 'Graphics',
  'cs.GT': 'Computer Science and Game Theory',
  'cs.HC': 'Human-Computer Interaction',
  'cs.IR': 'Information Retrieval',
  'cs.IT': 'Information Theory',
  'cs.LG': 'Machine Learning',
  'cs.LO': 'Logic in Computer Science',
  'cs.MA': 'Multiagent Systems',
  'cs.MM': 'Multimedia',
  'cs.MS': 'Mathematical Software',
  'cs.NA': 'Numerical Analysis',
  'cs.NE': 'Neural and Evolutionary Computing',
  'cs.NI': 'Networking and Internet Architecture',
  'cs.OH': 'Other Computer Science',
  'cs.OS': 'Operating Systems',
  'cs.PF': 'Performance',
  'cs.PL': 'Programming Languages',
  'cs.RO': 'Robotics',
  'cs.SC': 'Symbolic Computation',
  'cs.SD': 'Sound',
  'cs.SE': 'Software Engineering',
  'cs.SI': 'Social and Information Networks',
  'cs.SY': 'Systems and Control',
  // econ
  'econ.EM': 'Econometrics',
  'econ.GN': 'General Economics',
  'econ.TH': 'Theoretical Economics',
  // eess
  'eess.AS': 'Audio and Speech Processing',
  'eess.IV': 'Image and Video Processing',
  'eess.SP': 'Signal Processing',
  'eess.SY': 'Systems and Control',
  // math
  'math.AC': 'Commutative Algebra',
  'math.AG': 'Algebraic Geometry',
  'math.AP': 'Analysis of PDEs',
  'math.AT': 'Algebraic Topology',
  'math.CA': 'Classical Analysis and ODEs',
  'math.CO': 'Combinatorics',
  'math.CT': 'Category Theory',
  'math.CV': 'Complex Variables',
  'math.DG': 'Differential Geometry',
  'math.DS': 'Dynamical Systems',
  'math.FA': 'Functional Analysis',
  'math.GM': 'General Mathematics',
  'math.GN': 'General Topology',
  'math.GR': 'Group Theory',
  'math.GT': 'Geometric Topology',
  'math.HO': 'History and Overview',
  'math.IT': 'Information Theory',
  'math.KT': 'K-Theory and Homology',
  'math.LO': 'Logic',
  'math.MG': 'Metric Geometry',
  'math.MP': 'Mathematical Physics',
  'math.NA': 'Numerical Analysis',
  'math.NT': 'Number Theory',
  'math.OA': 'Operator Algebras',
  'math.OC': 'Optimization and Control',
  'math.PR': 'Probability',
  'math.QA': 'Quantum Algebra',
  'math.RA': 'Rings and Algebras',
  'math.RT': 'Representation Theory',
  'math.SG': 'Symplectic Geometry',
  'math.SP': 'Spectral Theory',
  'math.ST': 'Statistics Theory',
  // nlin
  'nlin.AO': 'Adaptation and Self-Organizing Systems',
  'nlin.CD': 'Chaotic Dynamics',
  'nlin.CG': 'Cellular Automata and Lattice Gases',
  'nlin.PS': 'Pattern Formation and Solitons',
  'nlin.SI': 'Exactly Solvable and Integrable Systems',
  // physics
  'physics.acc-ph': 'Accelerator Physics',
  'physics.ao-ph': 'Atmospheric and Oceanic Physics',
  'physics.app-ph': 'Applied Physics',
  'physics.atm-clus': 'Atomic and Molecular Clusters',
  'physics.atom-ph': 'Atomic Physics',
  'physics.bio-ph': 'Biological Physics',
  'physics.chem-ph': 'Chemical Physics',
  'physics.class-ph': 'Classical Physics',
  'physics.comp-ph': 'Computational Physics',
  'physics.data-an': 'Data Analysis, Statistics and Probability',
  'physics.ed-ph': 'Physics Education',
  'physics.flu-dyn': 'Fluid Dynamics',
  'physics.gen-ph': 'General Physics',
  'physics.geo-ph': 'Geophysics',
  'physics.hist-ph': 'History and Philosophy of Physics',
  'physics.ins-det': 'Instrumentation and Detectors',
  'physics.med-ph': 'Medical Physics',
  'physics.optics': 'Optics',
  'physics.plasm-ph': 'Plasma Physics',
  'physics.pop-ph': 'Popular Physics',
  'physics.soc-ph': 'Physics and Society',
  'physics.space-ph': 'Space Physics',
  // q-bio
  'q-bio.BM': 'Biomolecules',
  'q-bio.CB': 'Cell Behavior',
  'q-bio.GN': 'Genomics',
  'q-bio.MN': 'Molecular Networks',
  'q-bio.NC': 'Neurons and Cognition',
  'q-bio.OT': 'Other Quantitative Biology',
  'q-bio.PE': 'Populations and Evolution',
  'q-bio.QM': 'Quantitative Methods',
  'q-bio.SC': 'Subcellular Processes',
  'q-bio.TO': 'Tissues and Organs',
  // q-fin
  'q-fin.CP': 'Computational Finance',
  'q-fin.EC': 'Economics',
  'q-fin.GN': 'General Finance',
  'q-fin.MF': 'Mathematical Finance',
  'q-fin.PM': 'Portfolio Management',
  'q-fin.PR': 'Pricing of Securities',
  'q-fin.RM': 'Risk Management',
  'q-fin.ST': 'Statistical Finance',
  'q-fin.TR': 'Trading and Market Microstructure',
  // stat
  'stat.AP': 'Applications',
  'stat.CO': 'Computation',
  'stat.ME': 'Methodology',
  'stat.ML': 'Machine Learning',
  'stat.OT': 'Other Statistics',
  'stat.TH': 'Statistics Theory',
};

/** oai_dc subject name -> category code. */
const CATEGORY_BY_NAME = new Map(
  Object.entries(CATEGORY_NAMES).map(([code, name]) => {
    const archive = code.includes('.') ? ARCHIVE_NAMES[code.split('.')[0]!] : undefined;
    return [archive ? `${archive} - ${name}` : name, code];
  }),
);
