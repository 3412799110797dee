// Placeholder until the chat example lands: tells a newcomer what works today.
console.log('nanokit: the chat example is not here yet. Run the test suite with:\n\n  npm test\n');
