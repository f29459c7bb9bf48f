"""The simulator: a pretend phone in the browser, to try Careline with no provider account."""
