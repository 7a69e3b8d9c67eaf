// Every custom layer file, imported for its `registerClass`: a saved graph that uses one reloads only after this.
import './column-slice.ts';
import './cross-stitch-unit.ts';
import './gradient-reversal.ts';
import './mixture-of-experts.ts';
import './product-logit.ts';
import './product-value.ts';
import './row-layer-normalization.ts';
