public enum LectorTestSupportPlaceholder {}
