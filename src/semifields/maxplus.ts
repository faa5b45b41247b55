import {tropicalSemifield} from './selection.js';

/** Max-plus (tropical max) semifield: a ⊕ b = max(a, b), a ⊗ b = a + b, 𝟘 = −∞. Dilation. */
export const maxplus = tropicalSemifield('maxplus');
