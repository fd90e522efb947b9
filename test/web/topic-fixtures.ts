// A hub with three clearly separate topics (speech synthesis, protein structure, galaxies), big
// enough for the built-in LSA model to learn which words go together. Abstracts are assembled from
// per-topic sentence pools so that every topic word co-occurs with the others of its topic.
//
// One word is the bridge: "vocoder" appears only in three speech papers from 2020. A search for
// `vocoder since:2023-01-01` therefore matches no paper by its words, while meaning search, which
// learned that "vocoder" keeps company with waveform, spectrogram and prosody, finds the 2024
// speech papers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaperRecord } from '../../src/paper/types.ts';
import { SemanticSearch } from '../../src/search/semantic.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';

export type Topic = 'speech' | 'protein' | 'galaxy';

interface TopicSpec {
  category: string;
  titles: string[];
  sentences: string[];
  authors: string[];
}

const TOPICS: Record<Topic, TopicSpec> = {
  speech: {
    category: 'eess.AS',
    authors: ['Hana Sato', 'Oliver Brandt', 'Priya Raman', 'Tomasz Wojcik'],
    titles: [
      'Expressive speech synthesis with learned prosody embeddings',
      'Fast waveform generation for multi-speaker text-to-speech',
      'Controllable intonation in neural speech synthesis',
      'Zero-shot voice cloning from a few seconds of speech',
      'Streaming text-to-speech with low latency waveform decoding',
      'Phoneme duration modelling for natural sounding speech',
      'Cross-lingual speech synthesis with shared phoneme inventories',
      'Emotional prosody transfer between speakers',
      'Mel spectrogram prediction with diffusion decoders for speech',
      'Singing voice synthesis with pitch-aware acoustic models',
      'Evaluating naturalness of synthetic speech with listening tests',
      'Lightweight acoustic models for on-device speech synthesis',
    ],
    sentences: [
      'We synthesize natural speech from text by predicting a mel spectrogram and converting it to a waveform.',
      'Prosody and intonation are modelled explicitly so that the synthetic voice sounds expressive.',
      'The acoustic model conditions on phoneme durations and a learned speaker embedding.',
      'Listening tests show that the synthesized speech approaches the naturalness of recorded human voices.',
      'Pitch and energy contours of each utterance are predicted before the waveform is generated.',
      'Multi-speaker training lets the model imitate an unseen speaker voice from a short reference recording.',
      'The decoder produces audio samples in real time on a single processor.',
      'Phoneme alignment between text and spectrogram frames is learned without external aligners.',
    ],
  },
  protein: {
    category: 'q-bio.BM',
    authors: ['Maria Gonzalez', 'Wei Zhang', 'Ingrid Larsen', 'Kofi Mensah'],
    titles: [
      'Predicting protein folding pathways with equivariant networks',
      'Backbone design of enzymes with geometric constraints',
      'Binding affinity prediction for protein ligand complexes',
      'Learning residue contact maps from multiple sequence alignments',
      'Generative models of amino acid sequences that fold',
      'Protein structure refinement with molecular dynamics priors',
      'Antibody loop modelling with inverse folding',
      'Side chain packing as a learned optimisation problem',
      'Evolutionary couplings improve tertiary structure prediction',
      'Designing stable protein binders against viral targets',
      'Coarse-grained simulation of membrane protein folding',
      'Scoring docked protein complexes with attention over residues',
    ],
    sentences: [
      'We predict the three-dimensional structure of a protein from its amino acid sequence.',
      'Residue contacts and backbone torsion angles are inferred from evolutionary couplings in sequence alignments.',
      'The folded structures agree with crystallography to within two angstroms on most targets.',
      'Designed enzymes and binders are validated by molecular dynamics and wet lab assays.',
      'Side chains are packed onto the backbone while avoiding steric clashes between residues.',
      'Binding pockets on the protein surface are scored for ligand affinity.',
      'The model respects rotations and translations of the molecule, so predicted folds are equivariant.',
      'Inverse folding recovers amino acid sequences that fold into a given backbone.',
    ],
  },
  galaxy: {
    category: 'astro-ph.GA',
    authors: ['Elena Petrova', 'James Okafor', 'Lucia Romano', 'Arjun Mehta'],
    titles: [
      'Stellar mass functions of galaxies at high redshift',
      'Dark matter halos of dwarf galaxies from rotation curves',
      'A deep telescope survey of galaxy clusters',
      'Star formation histories of quenched galaxies',
      'Gravitational lensing measurements of cluster masses',
      'Photometric redshift estimation for wide field surveys',
      'Supermassive black holes in merging galaxies',
      'The luminosity function of quasars across cosmic time',
      'Gas accretion onto spiral galaxies in cosmological simulations',
      'Chemical abundances of old stars in the galactic halo',
      'Morphological classification of galaxies in survey images',
      'Tidal streams as probes of the galactic potential',
    ],
    sentences: [
      'We measure the stellar mass and star formation rate of galaxies observed by a wide telescope survey.',
      'Spectroscopic redshifts place the galaxies at cosmic distances spanning ten billion years.',
      'Rotation curves reveal dark matter halos around the luminous stellar disks.',
      'Our sample of clusters is selected from deep imaging with gravitational lensing masses.',
      'Cosmological simulations reproduce the observed luminosity function of galaxies.',
      'Black holes at galaxy centers regulate star formation through feedback on the surrounding gas.',
      'The telescope images resolve spiral arms, bars and tidal features in nearby galaxies.',
      'Stars in the halo preserve the chemical abundances of early galaxy mergers.',
    ],
  },
};

/** Three speech papers from 2020, the only ones that say "vocoder". */
const VOCODER_PAPERS: { title: string; abstract: string }[] = [
  {
    title: 'A neural vocoder for high fidelity speech synthesis',
    abstract: 'A neural vocoder converts a mel spectrogram into a speech waveform. The vocoder preserves prosody and the speaker voice, and listening tests rate its synthesized speech as natural.',
  },
  {
    title: 'Parallel vocoder training for multi-speaker text-to-speech',
    abstract: 'We train a parallel vocoder that generates the waveform of each speaker from predicted spectrogram frames. Phoneme durations and intonation of the acoustic model are kept, so the vocoder output sounds expressive.',
  },
  {
    title: 'Comparing vocoder choices in expressive speech synthesis',
    abstract: 'Which vocoder best turns a mel spectrogram into audio samples? We compare vocoder families on prosody, pitch accuracy and naturalness of the synthesized voice in listening tests.',
  },
];

export const SPEECH_FIRST_ID = '2406.01000';
export const PROTEIN_FIRST_ID = '2406.02000';
export const GALAXY_FIRST_ID = '2406.03000';
export const VOCODER_IDS = ['2003.00001', '2003.00002', '2003.00003'];
/** The prefix of the topic's ids: 2406.01 speech, 2406.02 protein, 2406.03 galaxy, 2003. the old vocoder papers. */
export const ID_PREFIX: Record<Topic, string> = { speech: '2406.01', protein: '2406.02', galaxy: '2406.03' };

export function topicOf(id: string): Topic | 'vocoder' | undefined {
  if (VOCODER_IDS.includes(id)) return 'vocoder';
  return (Object.keys(ID_PREFIX) as Topic[]).find((t) => id.startsWith(ID_PREFIX[t]));
}

export const TOPIC_PAPERS: PaperRecord[] = [
  ...(Object.keys(TOPICS) as Topic[]).flatMap((topic) => {
    const spec = TOPICS[topic];
    return spec.titles.map((title, i): PaperRecord => {
      const pool = spec.sentences;
      // Four sentences per abstract, a different mix for each paper.
      const abstract = [0, 1, 3, 5].map((step) => pool[(i + step * (1 + (i % 3))) % pool.length]!).join(' ');
      const day = `2024-06-${String(3 + (i % 5)).padStart(2, '0')}`;
      return {
        id: `${ID_PREFIX[topic]}${String(i).padStart(3, '0')}`,
        title,
        abstract,
        authors: [spec.authors[i % spec.authors.length]!, spec.authors[(i + 1) % spec.authors.length]!],
        categories: [spec.category],
        published: `${day}T10:00:00.000Z`,
        listedAt: `${day}T00:00:00.000Z`,
      };
    });
  }),
  ...VOCODER_PAPERS.map((p, i): PaperRecord => ({
    id: VOCODER_IDS[i]!,
    title: p.title,
    abstract: p.abstract,
    authors: ['Hana Sato'],
    categories: ['eess.AS'],
    published: `2020-03-0${i + 2}T10:00:00.000Z`,
    listedAt: `2020-03-0${i + 2}T00:00:00.000Z`,
  })),
];

export interface TopicHub {
  store: Store;
  semantic?: SemanticSearch;
  dir: string;
  close(): Promise<void>;
}

/** A store with the topic papers on a temporary SQLite file; with `meaning`, an LSA model built over them. */
export async function topicHub(options: { meaning: boolean }): Promise<TopicHub> {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-web-'));
  const store = await openSqliteStore(join(dir, 'hub.db'));
  await store.upsertPapers(TOPIC_PAPERS);
  let semantic: SemanticSearch | undefined;
  if (options.meaning) {
    semantic = await SemanticSearch.open(store, { indexDir: join(dir, 'index') });
    await semantic.build({ kind: 'lsa', dimensions: 16 });
  }
  return {
    store,
    semantic,
    dir,
    async close() {
      await semantic?.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
