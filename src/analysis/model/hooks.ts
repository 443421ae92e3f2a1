/**
 * Hook names: the public vocabulary of the model layer, TransformerLens style. Each names
 * an intermediate of the GPT-2 forward pass that can be asked for as an output.
 *
 *   hook_embed, hook_pos_embed                      [batch, pos, d]
 *   blocks.{L}.hook_resid_pre                        [batch, pos, d]
 *   blocks.{L}.ln1.hook_normalized                   [batch, pos, d]
 *   blocks.{L}.attn.hook_qkv                         [batch, pos, 3d]  output of h.{L}.attn.c_attn (Q | K | V)
 *   blocks.{L}.attn.hook_q / hook_k / hook_v         [batch, pos, n_head, d_head]
 *   blocks.{L}.attn.hook_attn_scores                 [batch, n_head, q, k]  scaled and masked, before softmax
 *   blocks.{L}.attn.hook_pattern                     [batch, n_head, q, k]
 *   blocks.{L}.attn.hook_z                           [batch, pos, n_head, d_head]
 *   blocks.{L}.hook_attn_out, hook_resid_mid         [batch, pos, d]
 *   blocks.{L}.ln2.hook_normalized                   [batch, pos, d]
 *   blocks.{L}.mlp.hook_pre, mlp.hook_post           [batch, pos, n_inner]
 *   blocks.{L}.hook_mlp_out, hook_resid_post         [batch, pos, d]
 *   ln_final.hook_normalized                         [batch, pos, d]
 *   logits                                           [batch, pos, vocab]
 */

const BLOCK_HOOKS = [
  'hook_resid_pre',
  'ln1.hook_normalized',
  'attn.hook_qkv',
  'attn.hook_q',
  'attn.hook_k',
  'attn.hook_v',
  'attn.hook_attn_scores',
  'attn.hook_pattern',
  'attn.hook_z',
  'hook_attn_out',
  'hook_resid_mid',
  'ln2.hook_normalized',
  'mlp.hook_pre',
  'mlp.hook_post',
  'hook_mlp_out',
  'hook_resid_post',
] as const;
const GLOBAL_HOOKS = ['hook_embed', 'hook_pos_embed', 'ln_final.hook_normalized', 'logits'] as const;

/** How far into the network a hook lies: hooks of the same layer in forward order. */
export interface HookDepth {
  /** -1 for the embeddings, n_layer for the final layer norm and logits */
  layer: number;
  /** index in forward order within the layer */
  step: number;
}

export function hookNames(nLayer: number): string[] {
  const names: string[] = ['hook_embed', 'hook_pos_embed'];
  for (let layer = 0; layer < nLayer; layer++) for (const hook of BLOCK_HOOKS) names.push(`blocks.${layer}.${hook}`);
  names.push('ln_final.hook_normalized', 'logits');
  return names;
}

export function qkvHook(layer: number): string {
  return `blocks.${layer}.attn.hook_qkv`;
}

/** Where a hook lies, or undefined for a name that is not a hook of a model with nLayer layers. */
export function hookDepth(name: string, nLayer: number): HookDepth | undefined {
  const block = /^blocks\.(\d+)\.(.+)$/.exec(name);
  if (block) {
    const layer = Number(block[1]);
    const step = (BLOCK_HOOKS as readonly string[]).indexOf(block[2]);
    return layer < nLayer && step >= 0 && String(layer) === block[1] ? { layer, step } : undefined;
  }
  const step = (GLOBAL_HOOKS as readonly string[]).indexOf(name);
  if (step < 0) return undefined;
  return step < 2 ? { layer: -1, step } : { layer: nLayer, step };
}

/** The first hook of the MLP half of a block: a block whose deepest requested hook lies before it stops after attention. */
export const FIRST_MLP_STEP = BLOCK_HOOKS.indexOf('ln2.hook_normalized');
/** The first hook after Q, K and V: a block that needs only those stops there. */
export const FIRST_ATTENTION_STEP = BLOCK_HOOKS.indexOf('attn.hook_attn_scores');
