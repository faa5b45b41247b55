// Public exports of src/primitives/linear (filled as the area lands).
export {};
