import { definePrompt } from '@bounded/core';
import { z } from 'zod';

export const answerWithCitations = definePrompt({
  name: 'answer_with_citations',
  title: 'Answer a question from the knowledge base, with citations',
  description: 'Answers a question using only passages from the knowledge base, citing each claim.',
  args: z.object({
    question: z.string().min(1).max(1000).describe('The question to answer'),
    collection: z.string().max(100).optional().describe('Limit the search to this collection'),
  }),
  render({ question, collection }) {
    return [
      `Answer this question from the knowledge base: """${question}"""`,
      '',
      `1. Call research_question with question "${question}"${collection ? ` and collection "${collection}"` : ''} (token_budget 4000 is usually enough).`,
      '2. If the passages do not settle it, call search_knowledge with the distinctive words, and read a promising section with get_document (section from its outline).',
      '3. Answer only from what the passages say. After each claim cite its source as [n] with the document title, and list the sources (title, uri, heading path) at the end.',
      '4. If the knowledge base does not answer the question, say so plainly rather than guessing.',
    ].join('\n');
  },
});
