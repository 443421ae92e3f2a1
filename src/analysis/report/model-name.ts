/**
 * How the site names a model. A hub model by its id; a local model by its folder's name, not by
 * the path that the machine which ran the analysis gave it: `/home/someone/models/gpt2-small`
 * would publish that person's user name and folder layout, and differ from one machine to the
 * next. A manifest's model is local when it has no revision (a hub model always has its commit).
 */
export function publicModelId(model: { id: string; revision: string | null }): string {
  if (model.revision !== null) return model.id;
  const folder = model.id
    .split(/[\\/]+/)
    .filter((part) => part !== '' && part !== '.' && part !== '..')
    .pop();
  return folder ?? 'a local model';
}
