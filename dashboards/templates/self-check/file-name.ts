/** The self-check page's file name, in the templates folder and the output folder alike. */
export const selfCheckFileName = '自检.html';
