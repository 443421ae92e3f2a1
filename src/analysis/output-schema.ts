/**
 * The public output format of `qkv-atlas analyze` (schema 1). Students load these
 * files from Python, and the report reads nothing else, so every key here keeps
 * its meaning once published; new keys may be added.
 */

export const PAIR_TYPES = ['QQ', 'KK', 'VV', 'QK', 'QV', 'KV'] as const;
export type PairType = (typeof PAIR_TYPES)[number];
export type Pairs<T> = Record<PairType, T>;

export const METRICS = ['cosine', 'correlation'] as const;
export type Metric = (typeof METRICS)[number];

/** target, nontarget: measured; shuffled: the lecture's baseline (all entries of the
 * target matrix permuted together); shuffledPerNeuron: each column permuted on its own. */
export const CONDITIONS = ['target', 'nontarget', 'shuffled', 'shuffledPerNeuron'] as const;
export type Condition = (typeof CONDITIONS)[number];

export interface Manifest {
  schema: 1;
  model: { id: string; revision: string | null; n_layer: number; n_head: number; n_embd: number };
  set: {
    name: string;
    title: string;
    description: string;
    target: string;
    compare: string;
    seed: number;
    hash: string;
  };
  sentences: ManifestSentence[];
  layers: number[];
  seconds: { load: number; forward: number; stats: number };
  versions: Record<string, string>;
}

export interface ManifestSentence {
  text: string;
  ids: number[];
  tokens: string[];
  /** position of the target's first occurrence */
  target: number;
  /** position of the comparison token */
  nontarget: number;
}

/** Summary of the similarity values of one pair type in one condition. */
export interface Summary {
  /** values counted (finite similarities) */
  n: number;
  /** similarities left out because a neuron involved does not vary (zero norm) */
  undefined: number;
  /** np.histogram(values, bins=edges, density=True) */
  density: number[];
  mean: number;
  /** population SD (ddof = 0), as np.std */
  sd: number;
  median: number;
  quantiles: { p01: number; p05: number; p25: number; p75: number; p95: number; p99: number };
  meanAbs: number;
  /** share of values with |x| > 0.5 */
  shareAbsOver05: number;
  min: number;
  max: number;
}

export interface Comparison {
  /** Kolmogorov–Smirnov distance (sup |F_a − F_b|) */
  ks: number;
  /** Wasserstein-1 distance (∫ |F_a − F_b|) */
  wasserstein: number;
  /** sd(a) / sd(b) */
  sdRatio: number;
}

export interface MetricStats {
  target: Pairs<Summary>;
  nontarget: Pairs<Summary>;
  shuffled: Pairs<Summary>;
  shuffledPerNeuron: Pairs<Summary>;
  comparisons: {
    targetVsNontarget: Pairs<Comparison>;
    targetVsShuffled: Pairs<Comparison>;
    targetVsShuffledPerNeuron: Pairs<Comparison>;
    nontargetVsShuffled: Pairs<Comparison>;
    nontargetVsShuffledPerNeuron: Pairs<Comparison>;
  };
  /** per pair type an n_head × n_head matrix of mean |similarity| (row: head of the
   * first matrix, column: head of the second), for target and nontarget */
  heads: { target: Pairs<number[][]>; nontarget: Pairs<number[][]> };
  /** neurons (column indices into Q | K | V) whose norm is 0 in this metric */
  zeroNorm: { target: number[]; nontarget: number[] };
  /** how much of the variance of |x| over the QQ values the row (first neuron), the head
   * pair and the row with the second neuron's head explain (docs/stats-format.md) */
  qqVariance: { target: QQVariance; nontarget: QQVariance };
}

/** R² of a value predicted by the mean of its group, and R² adjusted for the number of groups. */
export interface VarianceShare {
  groups: number;
  r2: number;
  adjustedR2: number;
}

export interface QQVariance {
  /** defined QQ values */
  n: number;
  rows: VarianceShare;
  headPairs: VarianceShare;
  rowsByHead: VarianceShare;
}

export interface LayerStats {
  layer: number;
  /** the 101 bin edges, np.linspace(-1, 1, 101) */
  edges: number[];
  cosine: MetricStats;
  correlation: MetricStats;
  /** mean activation of each neuron over sentences (3·d values, Q | K | V) */
  tokenAverage: { target: number[]; nontarget: number[] };
  /** the first 20,000 defined QQ cosine similarities of the target in the lecture's order
   * (row-major over the upper triangle of the Q block) */
  qqSequence: number[];
  /** the same for correlations (what the lecture's notebook, run top to bottom, plots) */
  qqSequenceCorrelation: number[];
  /** distinct activation vectors (rows bit for bit equal count once) per condition: at
   * layer 0 the target's rows differ only by position */
  distinctRows: { target: number; nontarget: number };
  examples: {
    sentences: [number, number];
    neurons: [number, number];
    /** Q and K vectors of the two example sentences (target token) */
    sentenceVectors: { q: [number[], number[]]; k: [number[], number[]] };
    /** the two example neurons' activations over all sentences (target token) */
    neuronValues: [number[], number[]];
  };
  /** notes such as "correlation undefined with one sentence" */
  warnings: string[];
}
