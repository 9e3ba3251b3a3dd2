"""Understanding a question without word lists: what kind of answer it asks for, who seems to be
asking, and whether the documents can answer it.

- `classify`: linear models over the question's multilingual embedding (the one the pipeline
  computes anyway), fitted on the language packs' labelled examples;
- `features`: measured properties of the retrieved evidence for one question;
- `answerability`: a calibrated decision over those features, fitted on train.jsonl;
- `calibration`: the versioned file per embedding model that holds every fitted parameter;
- `calibrate`: the `assistant calibrate` command that writes it.
"""
