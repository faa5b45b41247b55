import {tropicalSemifield} from './selection.js';

/** Min-plus (tropical min) semifield: a ⊕ b = min(a, b), a ⊗ b = a + b, 𝟘 = +∞. Erosion. */
export const minplus = tropicalSemifield('minplus');
