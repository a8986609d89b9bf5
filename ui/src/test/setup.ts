import '@testing-library/jest-dom/vitest';

// jsdom has no layout engine: give elements a no-op scrollIntoView so selection code runs.
Element.prototype.scrollIntoView ??= function scrollIntoView() {};
