package main

import (
	"pagegen/internal/corpus"
)

// withCorpus opens the packed corpus for fn and closes it after.
func withCorpus(path string, fn func(*corpus.Corpus) error) error {
	c, err := corpus.Open(path)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}
